#!/usr/bin/env bash
# The one command on a lent device machine (nothing installed, no network):
#
#   bash tools/device/run.sh [device-check flags, e.g. --quick, --backends=wasm,gpujs-headlessgl]
#
# needs the carried `.device/` (built here by `npx tsx tools/device/pack.ts`;
# see tools/device/README.md). It unpacks .device/pack.tar.gz into
# .device-run/ (once per pack; needs bash, tar and gzip — or python3 — only),
# picks a way to start the bundled Node (directly; else with the bundled
# libstdc++/libgcc_s; else through the bundled glibc loader; else a system
# Node ≥ 20), adds the bundled X client libraries only where `webgl.node`
# lacks them, adds the bundled Vulkan loader (and writes an NVIDIA ICD file)
# only where the device lacks them, for Dawn (WebGPU → Vulkan → the GPU),
# warns when the working tree's sources differ from the ones
# bundled, and runs the device check with its report in $OUT (default
# bench/out/). Its output is also saved as $OUT/device-check.log.
#
# Environment: OUT (report folder), DEVICE_PACK (default <repo>/.device),
# DEVICE_RUN_DIR (default <repo>/.device-run), DEVICE_NODE_MODE (direct,
# fallback-lib, loader or system: force one way of starting Node, for tests).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PACK="${DEVICE_PACK:-$ROOT/.device}"
RUN="${DEVICE_RUN_DIR:-$ROOT/.device-run}"
export OUT="${OUT:-$ROOT/bench/out}"
mkdir -p "$OUT"
log() { echo "[run.sh] $*" >&2; }

if [ ! -f "$PACK/pack.tar.gz" ] || [ ! -f "$PACK/pack.id" ]; then
  log "no pack at $PACK (pack.tar.gz, pack.id): build it with 'npx tsx tools/device/pack.ts' and carry .device"
  exit 3
fi
ID="$(cat "$PACK/pack.id")"

# ---------------------------------------------------------------- unpack (once per pack)
if [ "$(cat "$RUN/.pack.id" 2>/dev/null)" != "$ID" ]; then
  log "unpacking pack $ID into $RUN"
  rm -rf "$RUN" "$RUN.tmp" && mkdir -p "$RUN.tmp" || exit 3
  gunzip_to_stdout() {
    if command -v gzip >/dev/null 2>&1; then gzip -dc "$1"
    elif command -v python3 >/dev/null 2>&1; then python3 -c 'import gzip,shutil,sys; shutil.copyfileobj(gzip.open(sys.argv[1]), sys.stdout.buffer)' "$1"
    else log "neither gzip nor python3 is available to unpack"; return 1
    fi
  }
  if command -v tar >/dev/null 2>&1; then
    gunzip_to_stdout "$PACK/pack.tar.gz" | tar -xf - -C "$RUN.tmp" || { log "unpacking failed"; exit 3; }
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1], "r:gz").extractall(sys.argv[2])' "$PACK/pack.tar.gz" "$RUN.tmp" || { log "unpacking failed"; exit 3; }
  else
    log "neither tar nor python3 is available to unpack"; exit 3
  fi
  echo "$ID" > "$RUN.tmp/.pack.id"
  mv "$RUN.tmp" "$RUN"
else
  log "pack $ID already unpacked in $RUN"
fi

# ---------------------------------------------------------------- choose how to start Node
NODE="$RUN/bin/node"
LOADER="$RUN/glibc/ld-linux-x86-64.so.2"
NODE_CMD=()
NODE_MODE=""
FORCE="${DEVICE_NODE_MODE:-}" # direct | fallback-lib | loader | system: force one way (for tests)
if [ -n "$FORCE" ]; then log "DEVICE_NODE_MODE=$FORCE"; fi
if [ -z "$FORCE" ] && "$NODE" -e 0 >/dev/null 2>&1 || [ "$FORCE" = direct ]; then
  NODE_CMD=("$NODE"); NODE_MODE="bundled node"
elif [ -z "$FORCE" ] && LD_LIBRARY_PATH="$RUN/fallback-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$NODE" -e 0 >/dev/null 2>&1 || [ "$FORCE" = fallback-lib ]; then
  export LD_LIBRARY_PATH="$RUN/fallback-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  NODE_CMD=("$NODE"); NODE_MODE="bundled node + bundled libstdc++/libgcc_s"
elif [ -z "$FORCE" ] && "$LOADER" --library-path "$RUN/glibc:$RUN/fallback-lib" "$NODE" -e 0 >/dev/null 2>&1 || [ "$FORCE" = loader ]; then
  NODE_CMD=("$LOADER" --library-path "$RUN/glibc:$RUN/fallback-lib" "$NODE"); NODE_MODE="bundled node through the bundled glibc loader"
elif [ "$FORCE" = system ] || { [ -z "$FORCE" ] && command -v node >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' >/dev/null 2>&1; }; then
  NODE_CMD=("$(command -v node)"); NODE_MODE="system node (the bundled one does not start here)"
else
  log "the bundled Node does not start here, not even through the bundled glibc, and there is no system Node >= 20:"
  "$NODE" -v 2>&1 | head -5 >&2
  exit 4
fi
log "node: $NODE_MODE ($("${NODE_CMD[@]}" -v))"

# X client libraries (and the like) that webgl.node lacks here: link just those from fallback-lib
WEBGL="$RUN/app/node_modules/gl/build/Release/webgl.node"
if [ -f "$WEBGL" ] && [ "$NODE_MODE" != "bundled node through the bundled glibc loader" ] && command -v ldd >/dev/null 2>&1; then
  missing="$(ldd "$WEBGL" 2>/dev/null | awk '/not found/ {print $1}')"
  if [ -n "$missing" ]; then
    mkdir -p "$RUN/extra-lib"
    for lib in $missing; do
      if [ -f "$RUN/fallback-lib/$lib" ]; then ln -sf "$RUN/fallback-lib/$lib" "$RUN/extra-lib/$lib"; else log "webgl.node needs $lib, which the pack does not have"; fi
    done
    export LD_LIBRARY_PATH="$RUN/extra-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    log "webgl.node: using bundled $(echo $missing | tr '\n' ' ')"
  fi
fi

# ---------------------------------------------------------------- Vulkan, Dawn's route to the GPU
# dawn.node dlopens libvulkan.so.1, whose loader finds the NVIDIA driver through an ICD file
# (nvidia_icd.json naming libGLX_nvidia.so.0). GPU containers often have the driver's libraries but
# no loader, or no ICD file: add the bundled loader, and an ICD file, only where those are missing.
VULKAN_NOTE=""
LDCONFIG="$(command -v ldconfig || echo /sbin/ldconfig)"
LDCACHE="$("$LDCONFIG" -p 2>/dev/null)"
if [ "$NODE_MODE" = "bundled node through the bundled glibc loader" ]; then
  VULKAN_NOTE="bundled glibc in use: dawn.node (glibc >= 2.38) cannot load"
elif printf '%s\n' "$LDCACHE" | grep -q 'libvulkan\.so\.1 (libc6,x86-64)'; then
  VULKAN_NOTE="the device's own libvulkan.so.1"
elif [ -f "$RUN/vulkan-lib/libvulkan.so.1" ]; then
  mkdir -p "$RUN/extra-lib"
  ln -sf "$RUN/vulkan-lib/libvulkan.so.1" "$RUN/extra-lib/libvulkan.so.1"
  case ":${LD_LIBRARY_PATH:-}:" in *":$RUN/extra-lib:"*) ;; *) export LD_LIBRARY_PATH="$RUN/extra-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}";; esac
  VULKAN_NOTE="the bundled libvulkan.so.1 (the device has none)"
else
  VULKAN_NOTE="no libvulkan.so.1 on the device or in the pack"
fi
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  icd=""
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/etc/vulkan/icd.d; do
    for f in "$d"/*nvidia*.json; do [ -f "$f" ] && icd="$f" && break 2; done
  done
  if [ -n "$icd" ]; then
    VULKAN_NOTE="$VULKAN_NOTE; NVIDIA ICD $icd"
  else
    glx="$(printf '%s\n' "$LDCACHE" | awk '/libGLX_nvidia\.so\.0 \(libc6,x86-64\)/ {print $NF; exit}')"
    if [ -z "$glx" ]; then
      for f in /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 /usr/local/nvidia/lib64/libGLX_nvidia.so.0; do
        [ -f "$f" ] && glx="$f" && break
      done
    fi
    if [ -n "$glx" ]; then
      printf '{\n  "file_format_version": "1.0.0",\n  "ICD": { "library_path": "%s", "api_version": "1.3.0" }\n}\n' "$glx" > "$RUN/nvidia_icd.json"
      export VK_ICD_FILENAMES="$RUN/nvidia_icd.json" VK_DRIVER_FILES="$RUN/nvidia_icd.json"
      VULKAN_NOTE="$VULKAN_NOTE; no NVIDIA ICD file: wrote $RUN/nvidia_icd.json for $glx"
    else
      VULKAN_NOTE="$VULKAN_NOTE; no NVIDIA ICD file and no libGLX_nvidia.so.0 (no Vulkan route to an NVIDIA GPU)"
    fi
  fi
else
  VULKAN_NOTE="$VULKAN_NOTE; VK_ICD_FILENAMES/VK_DRIVER_FILES set by the caller"
fi
log "vulkan: $VULKAN_NOTE"

# ---------------------------------------------------------------- is the bundle current?
STALE="unknown (sha256sum not available)"
if command -v sha256sum >/dev/null 2>&1; then
  changed="$(cd "$ROOT" && sha256sum -c --quiet "$PACK/sources.sha256" 2>/dev/null | sed 's/: .*//' | tr '\n' ' ')"
  if [ -z "$changed" ]; then STALE="no"; else
    STALE="YES: changed since packing: $changed"
    log "WARNING: the bundle is stale; these sources changed since it was packed: $changed"
    log "WARNING: the figures are for the packed code, not the working tree (rebuild with: npx tsx tools/device/pack.ts)"
  fi
fi

export DEVICE_PACK_ID="$ID"
export DEVICE_PACK_BUILT="$(sed -n 's/.*"built": "\(.*\)".*/\1/p' "$PACK/manifest.json" 2>/dev/null)"
export DEVICE_PACK_COMMIT="$(sed -n 's/.*"commit": "\(.*\)".*/\1/p' "$PACK/manifest.json" 2>/dev/null)$(grep -q '"bundleSourcesDirty": "yes"' "$PACK/manifest.json" 2>/dev/null && echo ' + uncommitted changes')"
export DEVICE_PACK_NODE_MODE="$NODE_MODE"
export DEVICE_PACK_STALE="$STALE"
export DEVICE_PACK_VULKAN="$VULKAN_NOTE"

log "running the device check; report → $OUT"
LOGNAME_="device-check"; case " $* " in *" --quick "*) LOGNAME_="device-check-quick";; esac
"${NODE_CMD[@]}" "$RUN/app/device-check.mjs" "$@" 2>&1 | tee "$OUT/$LOGNAME_.log"
rc=${PIPESTATUS[0]}
log "device check exited with $rc"
exit "$rc"
