#!/usr/bin/env bash
# Packaging check (run by .ci/run after the tests; docs/releasing.md says what it guarantees):
#  1. packs every project under src/ into the folder feed artifacts/packages (version from git tags, MinVer);
#  2. checks each package: licence MIT, icon, its own README, repository URL and commit, symbols package,
#     Microsoft.Extensions.* dependencies at the floor;
#  3. builds tests/packaging/Consumer and WebConsumer against the packages only: they compile the C# blocks of the
#     README quick start and of every package README; Consumer runs a provisioning round trip on the dependency
#     floors (exit code checked);
#  4. builds the console and web samples against the packages (their ProjectReferences into src/ become
#     PackageReferences, -p:CmsUserUsePackages=true; the csproj files stay as they are), installs the packed cmsuser tool and runs its demo.
# Packages restore into artifacts/packaging/nuget-packages (the machine's global folder is only read), so a
# re-pack at the same version is never shadowed by an older copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
feed=$root/artifacts/packages
work=$root/artifacts/packaging
fail() { echo "packaging check: $*" >&2; exit 1; }

rm -rf "$feed" "$work"
mkdir -p "$feed" "$work/snippets" "$work/snippets-web"

echo "-- pack"
# A solution filter of every project under src/ (new packages are picked up without edits here).
projects=$(for p in src/*/*.csproj; do printf '"%s",' "$p"; done)
printf '{"solution":{"path":"%s","projects":[%s]}}\n' "$root/Skvare.CmsUser.sln" "${projects%,}" > "$work/packages.slnf"
dotnet pack "$work/packages.slnf" -c Release -o "$feed" -nologo -v q -warnaserror

count=$(ls src/*/*.csproj | wc -l)
nupkgs=$(ls "$feed"/*.nupkg | grep -v '\.symbols\.' | wc -l)
[ "$nupkgs" -eq "$count" ] || fail "$count projects under src/ but $nupkgs packages in $feed"
version=$(basename "$(ls "$feed"/Skvare.CmsUser.[0-9]*.nupkg)" .nupkg); version=${version#Skvare.CmsUser.}
echo "   $nupkgs packages, version $version"

echo "-- package contents"
floor=$(dotnet msbuild src/Skvare.CmsUser/Skvare.CmsUser.csproj -getProperty:CmsUserMicrosoftExtensionsFloor -nologo)
for pkg in "$feed"/*.nupkg; do
  id=$(basename "$pkg" ".$version.nupkg")
  [ -f "$feed/$id.$version.snupkg" ] || fail "$id: no symbols package"
  nuspec=$(unzip -p "$pkg" "$id.nuspec")
  files=$(unzip -Z1 "$pkg")
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$id: licence is not MIT"
  grep -q '<icon>icon.png</icon>' <<<"$nuspec" && grep -qx 'icon.png' <<<"$files" || fail "$id: no icon"
  grep -q '<readme>README.md</readme>' <<<"$nuspec" && grep -qx 'README.md' <<<"$files" || fail "$id: no README"
  unzip -p "$pkg" README.md | cmp -s - "src/$id/README.md" || fail "$id: README is not src/$id/README.md"
  # nuget.org shows the package README without the repository around it: a relative link there leads nowhere.
  if grep -Eno '\]\([^)]+\)' "src/$id/README.md" | grep -Ev '\]\((https?://|#|mailto:)'; then
    fail "$id: src/$id/README.md has a relative link (above); nuget.org cannot follow it: link https://github.com/skvare/Skvare.CmsUser/blob/main/..."
  fi
  grep -Eq '<repository type="git" url="https://github.com/skvare/Skvare.CmsUser"( [a-z]+="[^"]*")* commit="[0-9a-f]{40}"' <<<"$nuspec" || fail "$id: repository URL or commit missing"
  grep -q '<tags>civicrm' <<<"$nuspec" || fail "$id: no tags"
  if grep -Eo '<dependency id="(Microsoft\.Extensions\.[^"]*|System\.Threading\.RateLimiting)" version="[^"]*"' <<<"$nuspec" | grep -v "version=\"$floor\""; then
    fail "$id: a Microsoft.Extensions dependency above the floor $floor"
  fi
  # Deterministic paths: the PDB knows sources as /_/..., never as this machine's checkout; Source Link maps
  # them to the packed commit on GitHub.
  pdbs=$(unzip -Z1 "$feed/$id.$version.snupkg" | grep '\.pdb$') || fail "$id: no PDB in the symbols package"
  pdb=$(for f in $pdbs; do unzip -p "$feed/$id.$version.snupkg" "$f"; done | tr -c '[:print:]' '\n')
  grep -q "$root/src" <<<"$pdb" && fail "$id: PDB carries the local path $root"
  commit=$(grep -Eo 'commit="[0-9a-f]{40}"' <<<"$nuspec" | cut -d'"' -f2)
  grep -q "https://raw.githubusercontent.com/skvare/Skvare.CmsUser/$commit/\*" <<<"$pdb" || fail "$id: no Source Link to $commit"
done
echo "   licence, icon, README, repository, tags, symbols, Source Link, floors ($floor), deterministic paths: ok"

echo "-- README snippets"
# The quick start of README.md and every C# block of the package READMEs, each wrapped in a method:
# leading using lines stay at the top of the file.
snippet() { # $1 = markdown file, $2 = class name, $3 = awk start pattern (the block is the first csharp one after it), $4 = optional
  awk -v cls="$2" -v start="$3" '
    $0 ~ start { armed = 1 }
    armed && /^```csharp/ { inblock = 1; next }
    inblock && /^```/ { exit }
    inblock && !body && /^using [A-Za-z.]+;$/ { usings = usings $0 "\n"; next }
    inblock && !body && /^$/ { next }
    inblock { body = body "        " $0 "\n" }
    END {
      if (body == "") { exit 3 }
      printf "%s#pragma warning disable CS1998, CA2007 // application code from a README: no await needed, no ConfigureAwait\nnamespace Consumer.Snippets;\n\n// From a README (tests/packaging/check.sh); compiled, not run.\ninternal static class %s\n{\n    public static async Task RunAsync(string[] args)\n    {\n%s    }\n}\n", usings, cls, body
    }' "$1" > "$work/snippets/$2.cs" || { rm -f "$work/snippets/$2.cs"; [ "${4:-}" = optional ] && return 0; fail "$1: no C# block found"; }
  # Blocks that need ASP.NET Core compile in WebConsumer (the console consumer runs on the floors, without it).
  if grep -q '^using Microsoft.AspNetCore' "$work/snippets/$2.cs"; then mv "$work/snippets/$2.cs" "$work/snippets-web/"; fi
}
snippet README.md QuickStart '^## Quick start'
for readme in src/*/README.md; do
  # A package README without a C# block (a .NET tool's, say) has nothing to compile.
  name=$(basename "$(dirname "$readme")"); snippet "$readme" "${name//./_}" '^# ' optional
done
echo "   $(ls "$work/snippets" "$work/snippets-web" | grep -c '\.cs$') snippets"

echo "-- consumer and samples against the packages"
cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/nuget-packages" />
  </config>
  <fallbackPackageFolders>
    <add key="machine" value="$(dotnet nuget locals global-packages -l | sed 's/^global-packages: //')" />
  </fallbackPackageFolders>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Skvare.CmsUser*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
CONFIG
export CMSUSER_ARTIFACTS=$work/build
props=(-c Release -nologo -v q -clp:NoSummary -warnaserror -p:CmsUserPackageVersion="$version" -p:RestoreConfigFile="$work/nuget.config")
dotnet build tests/packaging/Consumer/Consumer.csproj "${props[@]}" -p:CmsUserSnippetsDirectory="$work/snippets/"
dotnet build tests/packaging/WebConsumer/WebConsumer.csproj "${props[@]}" -p:CmsUserSnippetsDirectory="$work/snippets-web/"
for sample in samples/*/*.csproj; do
  dotnet build "$sample" "${props[@]}" -p:CmsUserUsePackages=true
done
for assets in "$work"/build/obj/*/project.assets.json; do
  grep -q "\"Skvare.CmsUser/$version\": {" "$assets" || fail "$assets: Skvare.CmsUser $version is not a package reference"
  grep -A1 '"Skvare\.CmsUser[A-Za-z0-9.]*/[^"]*": {' "$assets" | grep -q '"type": "project"' && fail "$assets: a project reference into src/ is left"
done

echo "-- run"
dotnet "$work/build/bin/Consumer/release/Consumer.dll"
# The console sample is the README quick start (it needs real servers); the packed tool runs the demo.
dotnet tool install Skvare.CmsUser.Cli --tool-path "$work/tool" --version "$version" --configfile "$work/nuget.config" >/dev/null \
  || fail "the packed Skvare.CmsUser.Cli tool does not install"
(cd "$work" && timeout 120 "$work/tool/cmsuser" demo) > "$work/demo.txt" 2>&1 || { cat "$work/demo.txt"; fail "cmsuser demo (packed tool) failed"; }
tail -n 5 "$work/demo.txt"
echo "packaging check: ok ($nupkgs packages, $version)"
