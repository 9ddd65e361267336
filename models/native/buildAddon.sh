#!/bin/sh
# Builds the optional native kernels (models/native/build/x3ecg_native.node) for THIS machine's CPU.
# Needs g++ and Node's headers (Debian: the nodejs package ships /usr/include/node). Without it the
# project runs on its JS/WASM kernels. Usage: sh models/native/buildAddon.sh [output.node]
set -eu
here=$(dirname "$0")
out=${1:-"$here/build/x3ecg_native.node"}
nodeinc=${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}
[ -f "$nodeinc/node_api.h" ] || nodeinc=/usr/include/node
mkdir -p "$(dirname "$out")"
g++ -O3 -march=native -fPIC -shared -std=c++17 -pthread -DNODE_GYP_MODULE_NAME=x3ecg_native \
  -I"$nodeinc" "$here/addon/x3ecgNative.cc" -o "$out.tmp"
mv "$out.tmp" "$out"
echo "built $out"
