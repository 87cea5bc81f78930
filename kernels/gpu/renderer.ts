/**
 * Telling GPUs from software rasterisers by the GL renderer string (or a
 * WebGPU adapter's description). A module of its own, without gpu.js or the
 * device kernels, because the registry's default needs it in every bundle.
 */

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|lavapipe|basic render|microsoft basic|mesa offscreen/i;
const HARDWARE = /nvidia|geforce|quadro|tesla|radeon|amd|intel|apple|adreno|mali|powervr|videocore|ati /i;

/** Whether a GL renderer string names a hardware GPU. */
export function isHardwareRenderer(renderer: string): boolean {
  return HARDWARE.test(renderer) && !SOFTWARE.test(renderer);
}

/** Whether a GL renderer string names a software rasteriser. */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE.test(renderer);
}
