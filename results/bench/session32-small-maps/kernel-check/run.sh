#!/usr/bin/env bash
# Session 32: the fused Winograd kernel of session 25 (at OLD, default 4217054) against the
# working tree's, compiled side by side with clang -O2 (symbols of the old one prefixed `old_`):
# bits.c checks that widths 32 and 16 give the same bits (forward and dU, 5 shapes, 3 images);
# timing.c times both on 128 images (16→16 at 32×32, 32→32 at 16×16), medians of 21 alternating rounds.
# Usage: bash run.sh [OLD]   (from anywhere inside the clone; nothing else should run)
set -eu
OLD=${1:-4217054}
here=$(cd "$(dirname "$0")" && pwd); root=$(git -C "$here" rev-parse --show-toplevel)
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
git -C "$root" show $OLD:Sources/CFusedKernels/fused_winograd.c > $w/old.c
git -C "$root" show $OLD:Sources/CFusedKernels/include/fused_kernels.h > $w/old_fk.h
cp "$root"/Sources/CFusedKernels/fused_winograd.c $w/new.c
cp "$root"/Sources/CFusedKernels/include/fused_kernels.h $w/new_fk.h
cp "$root"/Sources/CFusedKernels/*.h $w/
sed -i 's/#include "fused_kernels.h"/#include "old_fk.h"/' $w/old.c
sed -i 's/#include "fused_kernels.h"/#include "new_fk.h"/' $w/new.c
sed -i 's/masklab_/old_masklab_/g' $w/old.c $w/old_fk.h
clang -O2 -o $w/bits "$here"/bits.c $w/old.c $w/new.c -I$w
clang -O2 -o $w/timing "$here"/timing.c $w/old.c $w/new.c -I$w
$w/bits
for i in 1 2 3; do $w/timing; done
