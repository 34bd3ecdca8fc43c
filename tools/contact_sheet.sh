#!/usr/bin/env bash
# Pictures of every example in every layout (build, watch, compare) at
# projector sizes (1280x720 and 1920x1080), in classroom mode, dark and
# light, taken with the program's own --screenshot, then one contact sheet
# of them all with ImageMagick's `montage`.
#
#   tools/contact_sheet.sh [OUT_DIR]       (default /tmp/neuroglass-shots)
#
# Writes OUT_DIR/<example>-<layout>-<size>-<theme>.png for each picture,
# OUT_DIR/contact_sheet.png (every picture, labelled) and
# OUT_DIR/contact_sheet_small.png (the first size only, smaller, for the
# README).
#
# Environment:
#   NEUROGLASS   the binary (default $CARGO_TARGET_DIR/debug/neuroglass,
#                else target/debug/neuroglass)
#   EXAMPLES     which examples (default: every projects/*.ron)
#   LAYOUTS      default "build watch compare"
#   SIZES        default "1280x720 1920x1080"
#   THEMES       default "dark light"
#   REUSE        when set, pictures already in OUT_DIR are kept, not taken again
#   DISPLAY      an X display at least 1920x1080 to draw on; when unset,
#                a virtual one (Xvfb) is started on :${XVFB_DISPLAY:-97}
#                and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
FONT=$(pwd)/assets/fonts/DejaVuSans.ttf
OUT=${1:-/tmp/neuroglass-shots}
NG=${NEUROGLASS:-${CARGO_TARGET_DIR:-target}/debug/neuroglass}
LAYOUTS=${LAYOUTS:-build watch compare}
SIZES=${SIZES:-1280x720 1920x1080}
THEMES=${THEMES:-dark light}
if [ -z "${EXAMPLES:-}" ]; then
  EXAMPLES=$(cd projects && ls -1 ./*.ron | sed 's|^\./||; s|\.ron$||')
fi
[ -x "$NG" ] || { echo "no program at $NG: build it (cargo build) or set NEUROGLASS" >&2; exit 2; }
command -v montage > /dev/null || { echo "montage not found: install ImageMagick" >&2; exit 2; }
mkdir -p "$OUT"
# Run records and recovery files of these runs go to a scratch folder.
DATA=$(mktemp -d)
export NEUROGLASS_DATA_DIR=$DATA
XVFB_PID=
cleanup() {
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2> /dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb > /dev/null || { echo "no DISPLAY and no Xvfb" >&2; exit 2; }
  export DISPLAY=:${XVFB_DISPLAY:-97}
  Xvfb "$DISPLAY" -screen 0 1920x1080x24 -nolisten tcp > /dev/null 2>&1 &
  XVFB_PID=$!
  sleep 2
fi

# The view each example is best watched in, and how many batches to train
# before the picture (few for the large image examples: this is a debug
# build by default).
view_for() {
  case "$1" in
    spiral | xor | circles_features) echo boundary ;;
    overfitting | iris | diabetes_linear | sine_lstm) echo curves ;;
    deep_sigmoid) echo gradient-flow ;;
    digits_mlp) echo confusion ;;
    mnist_mlp) echo gallery ;;
    mnist_cnn) echo convolution ;;
    sine_regression | linear_regression) echo boundary ;;
    *) echo curves ;;
  esac
}
steps_for() {
  case "$1" in
    mnist_cnn | mnist_mlp) echo 40 ;;
    sine_lstm) echo 100 ;;
    *) echo 300 ;;
  esac
}

# take EXAMPLE LAYOUT SIZE FILE: one picture (light theme when $light says).
take() {
  timeout 300 "$NG" "projects/$1.ron" --classroom "${light[@]}" \
    --layout "$2" --size "$3" --view "$(view_for "$1")" \
    --train-steps "$(steps_for "$1")" --screenshot "$4" > /dev/null 2> "$DATA/err"
}

n=0
failed=0
for ex in $EXAMPLES; do
  for layout in $LAYOUTS; do
    for size in $SIZES; do
      for theme in $THEMES; do
        shot="$OUT/$ex-$layout-$size-$theme.png"
        if [ -n "${REUSE:-}" ] && [ -f "$shot" ]; then
          n=$((n + 1))
          continue
        fi
        light=()
        [ "$theme" = light ] && light=(--light)
        # Twice: a busy X server now and then refuses a connection.
        if take "$ex" "$layout" "$size" "$shot" || take "$ex" "$layout" "$size" "$shot"; then
          n=$((n + 1))
          echo "$shot"
        else
          failed=$((failed + 1))
          echo "FAILED: $shot" >&2
          sed 's/^/  /' "$DATA/err" >&2
        fi
      done
    done
  done
done
echo "$n pictures, $failed failed"

# One sheet: a row per example and layout, labelled with the file name.
cd "$OUT"
shots=()
for ex in $EXAMPLES; do
  for layout in $LAYOUTS; do
    for size in $SIZES; do
      for theme in $THEMES; do
        f="$ex-$layout-$size-$theme.png"
        [ -f "$f" ] && shots+=("$f")
      done
    done
  done
done
[ ${#shots[@]} -gt 0 ] || { echo "no pictures to put on a sheet" >&2; exit 1; }
cols=$(($(wc -w <<< "$SIZES") * $(wc -w <<< "$THEMES")))
# Each picture made small first: `montage` on a hundred full-size
# pictures runs out of ImageMagick's memory limits.
mkdir -p thumbs
for f in "${shots[@]}"; do
  convert "$f" -thumbnail 400x225 "thumbs/$f"
done
cd thumbs
montage -font "$FONT" -label '%t' -pointsize 11 "${shots[@]}" -tile "${cols}x" \
  -geometry 400x225+6+6 -background '#1f2430' -fill '#e5e7eb' ../contact_sheet.png
# The README's sheet: the first size only, each example's layouts and
# themes in a row, in 64 colours (an 8-bit palette) so the file stays
# small.
small=()
first=${SIZES%% *}
for f in "${shots[@]}"; do
  case "$f" in *-"$first"-*) small+=("$f") ;; esac
done
montage "${small[@]}" -tile "$(($(wc -w <<< "$LAYOUTS") * $(wc -w <<< "$THEMES")))x" \
  -geometry 240x135+3+3 -background '#1f2430' +dither -colors 64 PNG8:../contact_sheet_small.png
cd ..
ls -l "$OUT/contact_sheet.png" "$OUT/contact_sheet_small.png"
[ "$failed" -eq 0 ]
