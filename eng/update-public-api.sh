#!/usr/bin/env bash
# Rewrites every package's PublicAPI.Unshipped.txt from the code, in one step (docs/releasing.md):
# each Unshipped file is emptied, then the PublicApiAnalyzers code fix (RS0016) declares every public symbol that
# PublicAPI.Shipped.txt does not already list. Run it after any change to a public API (or a merge that brings
# one), review the diff, commit. An API removed from PublicAPI.Shipped.txt (a breaking change) stays RS0017 until
# it is moved by hand to Unshipped as *REMOVED*<line>.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for file in src/*/PublicAPI.Unshipped.txt; do
  printf '#nullable enable\n' > "$file"
done
dotnet restore Skvare.CmsUser.sln -nologo -v q
# One project at a time: on a whole solution, dotnet format applies the fix to the first project's file only.
for project in src/*/*.csproj; do
  echo "-- $project"
  dotnet format analyzers "$project" --no-restore --diagnostics RS0016 --severity warn -v q
done
# The code fix appends in discovery order; sorted files keep diffs small and merges clean.
for file in src/*/PublicAPI.Unshipped.txt; do
  { head -n 1 "$file"; tail -n +2 "$file" | grep -v '^$' | LC_ALL=C sort -u; } > "$file.tmp"
  mv "$file.tmp" "$file"
done
