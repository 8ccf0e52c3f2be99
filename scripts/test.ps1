# The one test command: installs the interop peers (js-libp2p, from npm) and runs every test of the solution.
# Results: TestResults/results.trx. Extra arguments go to 'dotnet test' (e.g. --filter "FullyQualifiedName~Daemon").
$ErrorActionPreference = 'Stop'

$repo = Split-Path -Parent $PSScriptRoot
Set-Location $repo

if (Test-Path 'scripts/interop/package.json') {
    npm ci --prefix scripts/interop --no-audit --no-fund
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
# The official openai npm client, which the gateway tests call /v1/embeddings with.
if (Test-Path 'scripts/openai/package.json') {
    npm ci --prefix scripts/openai --no-audit --no-fund
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

# PowerShell as a local .NET tool (.config/dotnet-tools.json), which the tests run scripts/devnet.ps1 with.
dotnet tool restore
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

# One rotating seed per run for the fuzz targets and the crash images, printed so that a failure can be replayed.
if (-not $env:CEREBRUM_FUZZ_SEED) { $env:CEREBRUM_FUZZ_SEED = [string](Get-Random -Minimum 0 -Maximum 2147483647) }
Write-Output "fuzz seed: CEREBRUM_FUZZ_SEED=$($env:CEREBRUM_FUZZ_SEED)"

dotnet test Cerebrum.sln -c Release --logger 'trx;LogFileName=results.trx' --results-directory TestResults @args
exit $LASTEXITCODE
