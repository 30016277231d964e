#!/bin/bash
# stage-source.sh DESTDIR - copy this checkout's source tree into DESTDIR.
#
# In a git work tree: the files git tracks plus untracked ones it does not
# ignore, as they are on disk now (uncommitted edits included, deleted
# files left out).  Elsewhere (an unpacked tarball): everything but .git,
# build*/ and caches.  Used by build-deb.sh and build-rpm.sh.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DESTDIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
mkdir -p "$dest"

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(
		cd "$top"
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				if [ -e "$f" ] || [ -L "$f" ]; then
					printf '%s\0' "$f"
				fi
			done |
			tar --null --no-recursion -T - -cf -
	) | tar -C "$dest" -xf -
else
	tar -C "$top" --exclude=./.git --exclude='./build*' \
		--exclude='__pycache__' --exclude='*.pyc' -cf - . |
		tar -C "$dest" -xf -
fi
