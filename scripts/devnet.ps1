# A local Cerebrum network on loopback in one command (the PowerShell twin of scripts/devnet): N nodes serving the
# built-in all-MiniLM-L6-v2 sentence encoder and a gateway bootstrapped to them, started OPEN (no API key; local
# development only). Prints the gateway's base URL and a ready-to-paste curl, then runs until Ctrl-C, which stops
# every process it started.
#   scripts/devnet.ps1                   # 3 nodes, gateway on http://127.0.0.1:8080
#   scripts/devnet.ps1 -Nodes 2 -Http 8081
#   scripts/devnet.ps1 -State C:\temp\devnet2   # another state directory (default .data/devnet)
# State lives in .data/devnet (identities and model stores are kept between runs; logs in .data/devnet/*.log).
param(
    [ValidateRange(1, 64)][int]$Nodes = 3,
    [ValidateRange(1, 65535)][int]$Http = 8080,
    [string]$State = ''
)
$ErrorActionPreference = 'Stop'

$repo = Split-Path -Parent $PSScriptRoot
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) { Write-Error 'dotnet (the .NET 10 SDK) is not on PATH' }
[Console]::Error.WriteLine('building cerebrumd and cerebrum (Release)...')
foreach ($project in 'Cerebrum.Daemon', 'Cerebrum.Cli') {
    $buildLog = dotnet build (Join-Path $repo "$project/$project.csproj") -c Release -nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { $buildLog | Out-Host; [Console]::Error.WriteLine("error: building $project failed"); exit 1 }
}
$daemon = Join-Path $repo 'Cerebrum.Daemon/bin/Release/net10.0/cerebrumd.dll'
$cli = Join-Path $repo 'Cerebrum.Cli/bin/Release/net10.0/cerebrum.dll'
$root = if ($State) { $State } else { Join-Path $repo '.data/devnet' }
$root = (New-Item -ItemType Directory -Force -Path $root).FullName

$processes = @()

# Waits (at most 60 s) for a line starting with $Prefix in $File and returns the rest of it.
function Wait-Line([string]$File, [string]$Prefix, [System.Diagnostics.Process]$Process) {
    $deadline = (Get-Date).AddSeconds(60)
    while ((Get-Date) -lt $deadline) {
        if (Test-Path $File) {
            $line = Get-Content $File -ErrorAction SilentlyContinue | Where-Object { $_.StartsWith("$Prefix ") } | Select-Object -First 1
            if ($line) { return $line.Substring($Prefix.Length + 1) }
        }
        if ($Process.HasExited) { throw "a daemon exited at start-up; see $($File -replace '\.out$', '.log')" }
        Start-Sleep -Milliseconds 100
    }
    throw "no '$Prefix' line within 60 s; see $($File -replace '\.out$', '.log')"
}

try {
    $bootstrap = @()
    for ($i = 1; $i -le $Nodes; $i++) {
        $dir = Join-Path $root "node-$i"
        if (-not (Test-Path (Join-Path $dir 'identity.key'))) { dotnet $daemon init --data-dir $dir | Out-Null }
        $models = dotnet $cli model list --json --data-dir $dir 2>$null
        if (-not ($models -match '"all-minilm-l6-v2"')) {
            dotnet $cli model add --builtin all-minilm-l6-v2 --data-dir $dir | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "importing the built-in model into $dir failed" }
        }
        $env:CEREBRUM__Node__HeartbeatInterval = '00:00:01'
        $processes += Start-Process dotnet -PassThru -NoNewWindow `
            -ArgumentList @($daemon, 'run', '--data-dir', $dir, '--mode', 'node', '--listen', '/ip4/127.0.0.1/tcp/0', '--admin-port', '0') `
            -RedirectStandardOutput (Join-Path $root "node-$i.out") -RedirectStandardError (Join-Path $root "node-$i.log")
        Remove-Item Env:CEREBRUM__Node__HeartbeatInterval
    }
    for ($i = 1; $i -le $Nodes; $i++) {
        $address = Wait-Line (Join-Path $root "node-$i.out") 'listening' $processes[$i - 1]
        [Console]::Error.WriteLine("node $i $address")
        $bootstrap += @('--bootstrap', $address)
    }

    $gatewayDir = Join-Path $root 'gateway'
    if (-not (Test-Path (Join-Path $gatewayDir 'identity.key'))) { dotnet $daemon init --data-dir $gatewayDir | Out-Null }
    $gateway = Start-Process dotnet -PassThru -NoNewWindow `
        -ArgumentList (@($daemon, 'run', '--data-dir', $gatewayDir, '--mode', 'gateway', '--http', "127.0.0.1:$Http", '--open', '--listen', '/ip4/127.0.0.1/tcp/0', '--admin-port', '0') + $bootstrap) `
        -RedirectStandardOutput (Join-Path $root 'gateway.out') -RedirectStandardError (Join-Path $root 'gateway.log')
    $processes += $gateway
    $url = Wait-Line (Join-Path $root 'gateway.out') 'gateway' $gateway

    # Ready once the nodes' heartbeats have reached the gateway.
    $ready = $false
    for ($i = 0; $i -lt 300 -and -not $ready; $i++) {
        try { Invoke-WebRequest -Uri "$url/v2/health/ready" -UseBasicParsing -TimeoutSec 2 | Out-Null; $ready = $true } catch { Start-Sleep -Milliseconds 100 }
    }
    if (-not $ready) { throw "the gateway heard no node within 30 s; see $root/gateway.log" }

    Write-Output "gateway $url"
    Write-Output "web app $url/cloud/"
    Write-Output 'the gateway is OPEN (--open): no API key needed, for local development only'
    Write-Output 'try:'
    Write-Output "  curl -s $url/v1/embeddings -H 'Content-Type: application/json' -d '{`"model`":`"all-minilm-l6-v2`",`"input`":`"hello world`"}'"
    Write-Output 'Ctrl-C stops the devnet'
    while (-not ($processes | Where-Object { $_.HasExited })) { Start-Sleep -Milliseconds 500 }
    [Console]::Error.WriteLine("error: a daemon exited; see the logs in $root")
    exit 1
}
finally {
    [Console]::Error.WriteLine('stopping the devnet...')
    foreach ($process in $processes) {
        if (-not $process.HasExited) { Stop-Process -Id $process.Id -ErrorAction SilentlyContinue }
    }
    foreach ($process in $processes) { $process.WaitForExit(10000) | Out-Null }
    [Console]::Error.WriteLine('devnet stopped')
}
