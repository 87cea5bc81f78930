/**
 * Renderer classification behind the default backend choice: real GL/WebGPU
 * renderer strings (as browsers and headless-gl's native RENDERER report
 * them) are sorted into software rasterisers (never a default) and
 * hardware GPUs (a default); anything else is left to the timed probe.
 */
import { describe, expect, it } from 'vitest';
import { isHardwareRenderer, isSoftwareRenderer } from '../../kernels/gpu/device/probe.ts';

const SOFTWARE = [
  'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
  'ANGLE (Mesa/X.org llvmpipe (LLVM 15.0.6, 256 bits) OpenGL 4.5 core)',
  'llvmpipe (LLVM 12.0.0, 256 bits)',
  'softpipe',
  'Google SwiftShader',
  'google swiftshader',
  'Microsoft Basic Render Driver',
  'lavapipe',
];
const HARDWARE = [
  'ANGLE (NVIDIA Corporation, NVIDIA H200/PCIe/SSE2, OpenGL 4.5.0 NVIDIA 550.54.15)',
  'NVIDIA GeForce RTX 4090/PCIe/SSE2',
  'ANGLE (AMD, AMD Radeon Pro 5500M OpenGL Engine, OpenGL 4.1)',
  'ANGLE (Intel, Intel(R) UHD Graphics 630 (0x00003E9B) Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'Apple M1 Max',
  'Adreno (TM) 640',
  'Mali-G78',
];
const UNKNOWN = ['ANGLE', '', 'WebKit WebGL'];

describe('renderer classification', () => {
  it.each(SOFTWARE)('software: %s', (r) => {
    expect(isSoftwareRenderer(r)).toBe(true);
    expect(isHardwareRenderer(r)).toBe(false);
  });
  it.each(HARDWARE)('hardware: %s', (r) => {
    expect(isSoftwareRenderer(r)).toBe(false);
    expect(isHardwareRenderer(r)).toBe(true);
  });
  it.each(UNKNOWN)('unknown (left to the timed probe): %j', (r) => {
    expect(isSoftwareRenderer(r)).toBe(false);
    expect(isHardwareRenderer(r)).toBe(false);
  });
});
