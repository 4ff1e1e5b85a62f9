#!/usr/bin/env bash
# `make screenshots`: renders every wizard step to screenshots/<lang>/NN-<step>.png, in
# English and Japanese, from a real terminal: the demo (--demo, the local emulator) runs
# inside tmux inside xterm on a virtual X server (Xvfb) with DejaVu Sans Mono and a CJK
# font (VL Gothic) for double-width characters; the copy way (steps 8, 9) runs on the
# demo deployment plus the snapshot copy's world (demo_env.py --copy-world, which needs
# PostgreSQL). Keys go in through tmux send-keys; each
# step is shot (xwd, converted by ImageMagick) once tmux's copy of the screen shows that
# step's expected text and has settled — polled, never a blind wait.
#
# The X server, xterm, fonts and ImageMagick are installed here through apt when missing
# (idempotent, like scripts/deps.sh); they are not part of `make deps`: CI does not need them.
set -euo pipefail

prog=$(realpath "${1:-./bedrock-chat-migrate}")
here=$(cd "$(dirname "$0")/.." && pwd)
out_dir="$here/screenshots"
cols=100 rows=30
step_timeout=${SCREENSHOT_STEP_TIMEOUT:-120}   # seconds to wait for one step's text

# ---- packages ---------------------------------------------------------------------------
packages=(xvfb xterm x11-apps x11-utils imagemagick fonts-dejavu-core fonts-vlgothic tmux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "screenshots: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's ImageMagick, by its full path: another `convert` may come first on PATH.
magick=""
for c in /usr/bin/convert /usr/bin/convert-im6.q16; do
  if [ -x "$c" ] && "$c" -version 2>/dev/null | grep -q ImageMagick; then magick=$c; break; fi
done
[ -n "$magick" ] || { echo "screenshots: ImageMagick's convert is not installed" >&2; exit 1; }
[ -x "$prog" ] || { echo "screenshots: $prog is not built (run make)" >&2; exit 1; }

# ---- X server ---------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bcm-shots-XXXXXX")
sock="bcm-shots-$$"
xvfb_pid="" xterm_pid="" copy_demo_pid=""
cleanup() {
  [ -n "$copy_demo_pid" ] && kill "$copy_demo_pid" 2>/dev/null && wait "$copy_demo_pid" 2>/dev/null || true
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -n "$xterm_pid" ] && kill "$xterm_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && wait "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

display=""
for n in $(seq 90 140); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "screenshots: no free X display number" >&2; exit 1; }
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
for _ in $(seq 1 100); do
  xdpyinfo >/dev/null 2>&1 && break
  kill -0 "$xvfb_pid" 2>/dev/null || { cat "$work/xvfb.log" >&2; exit 1; }
  sleep 0.1
done
xdpyinfo >/dev/null 2>&1 || { echo "screenshots: Xvfb did not start" >&2; exit 1; }

# ---- driving the demo -------------------------------------------------------------------
inner_term=tmux-256color
infocmp "$inner_term" >/dev/null 2>&1 || inner_term=screen-256color
cat >"$work/tmux.conf" <<EOF
set -g status off
set -g default-terminal $inner_term
set -g escape-time 0
set -g set-titles off
EOF

screen() { tmux -L "$sock" capture-pane -p -t shot 2>/dev/null || true; }
keys() { tmux -L "$sock" send-keys -t shot "$@"; }

# wait_for DESCRIPTION PYTHON-PREDICATE-ON-s: polls the pane until the predicate holds,
# then until two readings 0.3 s apart agree (or, for screens that animate, 3 s passed).
wait_for() {
  local what=$1 predicate=$2 deadline=$((SECONDS + step_timeout)) shot prev=""
  while :; do
    shot=$(screen)
    if printf '%s' "$shot" | python3 -c "import re,sys; s=sys.stdin.read(); sys.exit(0 if ($predicate) else 1)"; then
      break
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "screenshots: the wizard never showed $what; the screen was:" >&2
      printf '%s\n' "$shot" >&2
      exit 1
    fi
    sleep 0.2
  done
  for _ in $(seq 1 10); do
    sleep 0.3
    shot=$(screen)
    [ "$shot" = "$prev" ] && break
    prev=$shot
  done
}

shoot() {
  local file=$1
  xwd -silent -name "$title" -out "$work/shot.xwd"
  "$magick" "$work/shot.xwd" -strip -define png:exclude-chunks=date,time "png:$file"
  echo "screenshots: $file"
}

run_language() {
  local lang=$1 demo_label=$2 done_word=$3
  local dir="$out_dir/$lang"
  mkdir -p "$dir"
  title="bcm-shots-$lang-$$"
  # The program gets a private TMPDIR: the demo's files all live (and die) there.
  mkdir -p "$work/tmp-$lang"
  local cmd
  cmd=$(printf 'env BCM_DEMO_DIR=%q TMPDIR=%q LANG=C.UTF-8 %q --demo --lang %q' \
        "$here/tests/integration" "$work/tmp-$lang" "$prog" "$lang")
  LC_ALL=C.UTF-8 xterm -u8 -T "$title" -geometry "${cols}x${rows}+0+0" \
      -fa "DejaVu Sans Mono" -fd "VL Gothic" -fs 12 -bg black -fg grey85 -bc -b 4 \
      -xrm 'XTerm*allowTitleOps: false' -xrm 'XTerm*cursorBlink: false' \
      -e tmux -L "$sock" -f "$work/tmux.conf" new-session -s shot "$cmd" &
  xterm_pid=$!

  wait_for "the welcome screen" "'$demo_label' in s and '(•)' in s"
  shoot "$dir/01-welcome.png"
  keys Enter
  wait_for "the identity step" "'123456789012' in s and 'ap-northeast-1' in s"
  shoot "$dir/02-identity.png"
  keys Enter
  wait_for "the checked stack outputs" "'EmbeddingCluster' in s and s.count('✓') >= 6"
  shoot "$dir/03-outputs.png"
  keys Enter
  wait_for "the bots table" "'Customer support FAQ' in s and '\$' in s and '+/-' not in s"
  shoot "$dir/04-bots.png"
  keys Enter
  wait_for "the cost preview" "'+/-' in s and '\$' in s"
  # A faster run than the default 3 at once, and the concurrency control shown in use.
  for _ in $(seq 1 17); do keys +; done
  wait_for "the raised concurrency" "re.search(r'(Concurrency|同時実行数): 20 ', s) is not None"
  local before
  before=$(screen)
  keys Tab
  wait_for "the launch confirmation" "s != $(printf '%s' "$before" | python3 -c 'import sys; print(repr(sys.stdin.read()))')"
  shoot "$dir/05-cost.png"
  keys y
  wait_for "the run under way" "any(int(p) >= 30 for p in re.findall(r'(\\d+)%', s)) and '$done_word' in s"
  shoot "$dir/06-run.png"
  wait_for "the summary" "'0600' in s"
  shoot "$dir/07-summary.png"
  keys q
  # The wizard ends, then tmux, then xterm.
  for _ in $(seq 1 300); do kill -0 "$xterm_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$xterm_pid" 2>/dev/null; then
    echo "screenshots: the wizard did not exit after q" >&2
    exit 1
  fi
  wait "$xterm_pid" 2>/dev/null || true
  xterm_pid=""
  if [ -n "$(ls -A "$work/tmp-$lang")" ]; then
    echo "screenshots: the demo left files behind in $work/tmp-$lang" >&2
    exit 1
  fi
}

# The copy way (steps 8 and 9): the demo deployment plus the snapshot copy's world
# (demo_env.py --copy-world: the v0 snapshot and two PostgreSQL databases behind the Data
# API test server), the wizard started on it without --demo; the copy step with both
# previews, then the copy's dashboard once it has copied and verified (the clean-up
# question), answered with Remove.
run_copy_language() {
  local lang=$1 bots_word=$2 quit_word=$3
  local dir="$out_dir/$lang"
  title="bcm-shots-copy-$lang-$$"
  local cw="$work/copy-$lang"
  mkdir -p "$cw/tmp" "$cw/state"
  # Its own temporary files go to the system's TMPDIR: PostgreSQL's initdb runs as another
  # user when this runs as root, and $work is private.
  python3 "$here/tests/integration/demo_env.py" --copy-world --bots 12 --failing 1 \
      --empty-bots 1 --conversations 20 --env-file "$cw/env" >"$cw/demo.out" 2>"$cw/demo.err" &
  copy_demo_pid=$!
  for _ in $(seq 1 $((step_timeout * 10))); do
    grep -q ready "$cw/demo.out" 2>/dev/null && break
    kill -0 "$copy_demo_pid" 2>/dev/null || { cat "$cw/demo.err" >&2; exit 1; }
    sleep 0.1
  done
  grep -q ready "$cw/demo.out" || { echo "screenshots: the copy world did not start" >&2; exit 1; }
  local outputs
  outputs=$(sed -n 's/^BCM_DEMO_COPY_OUTPUTS=//p' "$cw/env" | tr -d "'")
  local cmd
  cmd=$(printf 'set -a; . %q; set +a; env XDG_STATE_HOME=%q TMPDIR=%q LANG=C.UTF-8 %q --outputs %q --lang %q' \
        "$cw/env" "$cw/state" "$cw/tmp" "$prog" "$outputs" "$lang")
  LC_ALL=C.UTF-8 xterm -u8 -T "$title" -geometry "${cols}x${rows}+0+0" \
      -fa "DejaVu Sans Mono" -fd "VL Gothic" -fs 12 -bg black -fg grey85 -bc -b 4 \
      -xrm 'XTerm*allowTitleOps: false' -xrm 'XTerm*cursorBlink: false' \
      -e tmux -L "$sock" -f "$work/tmux.conf" new-session -s shot "sh -c $(printf '%q' "$cmd")" &
  xterm_pid=$!

  wait_for "the welcome screen" "'(•)' in s"
  keys Down
  keys Enter
  wait_for "the identity step" "'123456789012' in s"
  keys Enter
  wait_for "the checked stack outputs" "s.count('✓') >= 6"
  keys Enter
  wait_for "the bots table" "'$bots_word' in s and '\$' in s"
  keys Enter
  wait_for "the copy step" "'bedrockchatstack-snapshot' in s and '│' in s and s.count('\$') >= 3"
  shoot "$dir/08-copy.png"
  keys Tab
  keys Enter
  wait_for "the confirmation" "'< ' in s and s.count('<') >= 3"
  keys y
  wait_for "the copy's dashboard, copied and verified" "'< Remove >' in s or '< 削除する >' in s"
  shoot "$dir/09-copy_run.png"
  keys Enter
  wait_for "the temporary resources removed" "'are deleted.' in s or 'を削除しました。' in s"
  keys q
  wait_for "the quit question" "'< $quit_word >' in s"
  keys y
  for _ in $(seq 1 300); do kill -0 "$xterm_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$xterm_pid" 2>/dev/null; then
    echo "screenshots: the wizard did not exit after q" >&2
    exit 1
  fi
  wait "$xterm_pid" 2>/dev/null || true
  xterm_pid=""
  kill "$copy_demo_pid" 2>/dev/null || true
  wait "$copy_demo_pid" 2>/dev/null || true
  copy_demo_pid=""
}

run_language en "DEMO —" succeeded
run_language ja "デモ —" 成功
run_copy_language en "bots selected" Quit
run_copy_language ja "件のボットを選択" 終了
echo "screenshots: done ($(find "$out_dir" -name '*.png' | wc -l) images in $out_dir)"
