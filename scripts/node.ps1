# Builds cerebrumd (Release), creates a node in .data/node on first use, and runs it in the foreground.
#   scripts/node.ps1                         # listens on /ip4/127.0.0.1/tcp/4001
#   scripts/node.ps1 --listen /ip4/0.0.0.0/tcp/4001 --bootstrap /ip4/.../tcp/4001/p2p/<id>
#   scripts/node.ps1 --data-dir .data/node2 --listen /ip4/127.0.0.1/tcp/4002
# Any argument is passed to 'cerebrumd run'; --data-dir and --listen replace the defaults below.
$ErrorActionPreference = 'Stop'

$repo = Split-Path -Parent $PSScriptRoot
$dataDir = Join-Path $repo '.data/node'
$passDataDir = $true
$listen = @('--listen', '/ip4/127.0.0.1/tcp/4001')

for ($i = 0; $i -lt $args.Count; $i++) {
    $arg = [string]$args[$i]
    if ($arg -eq '--data-dir' -or $arg -eq '-d') { if ($i + 1 -lt $args.Count) { $dataDir = [string]$args[$i + 1] }; $passDataDir = $false }
    elseif ($arg -like '--data-dir=*') { $dataDir = $arg.Substring('--data-dir='.Length); $passDataDir = $false }
    elseif ($arg -eq '--listen' -or $arg -eq '-l' -or $arg -like '--listen=*') { $listen = @() }
}

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) { Write-Error 'dotnet (the .NET 10 SDK) is not on PATH' }
[Console]::Error.WriteLine('building cerebrumd (Release)...')
# Quiet: the build's output is shown only when it fails.
$buildLog = dotnet build (Join-Path $repo 'Cerebrum.Daemon/Cerebrum.Daemon.csproj') -c Release -nologo -v quiet 2>&1
if ($LASTEXITCODE -ne 0) { $buildLog | Out-Host; [Console]::Error.WriteLine('error: building cerebrumd failed'); exit 1 }
$daemon = Join-Path $repo 'Cerebrum.Daemon/bin/Release/net10.0/cerebrumd.dll'

if (-not (Test-Path (Join-Path $dataDir 'identity.key'))) {
    dotnet $daemon init --data-dir $dataDir
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

$runArgs = @('run')
if ($passDataDir) { $runArgs += @('--data-dir', $dataDir) }
$runArgs += $listen
$runArgs += $args
dotnet $daemon @runArgs
exit $LASTEXITCODE
