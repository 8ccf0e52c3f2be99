# A local Cerebrum network on loopback in one command (the PowerShell twin of scripts/devnet): a ledger (validators), N
# priced nodes serving the built-in all-MiniLM-L6-v2 sentence encoder, funded and registered on it, and a gateway that
# pays them through payment channels, started OPEN (no API key; local development only). Prints the gateway's base URL,
# the web app's (Cerebrum Cloud), where the faucet key is and a ready-to-paste curl, then runs until Ctrl-C, which stops
# every process it started.
#   scripts/devnet.ps1                   # 1 validator, 3 nodes at 10 micro-CER a request, gateway on http://127.0.0.1:8080
#   scripts/devnet.ps1 -Nodes 2 -Http 8081
#   scripts/devnet.ps1 -Validators 4     # a ledger of 4 validators (default 1)
#   scripts/devnet.ps1 -State C:\temp\devnet2   # another state directory (default .data/devnet)
#   scripts/devnet.ps1 -Price 0          # free nodes (default: each node asks 10 micro-CER a request, paid by voucher)
# State lives in .data/devnet (identities and model stores are kept between runs; logs in .data/devnet/*.log). The ledger
# starts afresh every run (.data/devnet/ledger: the validators, genesis.json and faucet.key, which is kept).
param(
    [ValidateRange(1, 64)][int]$Nodes = 3,
    [ValidateRange(1, 65535)][int]$Http = 8080,
    [string]$State = '',
    [ValidateRange(0, [long]::MaxValue)][long]$Price = 10,
    [ValidateRange(1, 100)][int]$Validators = 1
)
$ErrorActionPreference = 'Stop'

# What a node asks for a lease: 3,600,000 micro-CER an hour (1,000 a second), 1 to 24 hours.
$leasePrice = 3600000
# Each node's bond (the genesis minNodeStake) and the throughput it claims: low enough that any machine passes the
# validators' hardware challenge, so the nodes turn Active while the devnet runs.
$nodeStake = 1000000
$nodeClaimMflops = 1000

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

# Start-Process joins its arguments with spaces: an argument with a space (a path, "devnet cpu") goes in double quotes.
function Join-Arguments([string[]]$Arguments) {
    ($Arguments | ForEach-Object { if ($_ -match '[\s"]') { '"' + ($_ -replace '"', '\"') + '"' } else { $_ } }) -join ' '
}

# Starts a daemon: `dotnet cerebrumd.dll $Arguments`, stdout to $Name.out and stderr to $Name.log under $Directory, with
# the environment variables in $Environment (CEREBRUM__* configuration) set for it alone.
function Start-Daemon([string]$Directory, [string]$Name, [string[]]$Arguments, [hashtable]$Environment = @{}) {
    foreach ($key in $Environment.Keys) { Set-Item "Env:$key" $Environment[$key] }
    try {
        $process = Start-Process dotnet -PassThru -NoNewWindow -ArgumentList (Join-Arguments (@($daemon) + $Arguments)) `
            -RedirectStandardOutput (Join-Path $Directory "$Name.out") -RedirectStandardError (Join-Path $Directory "$Name.log")
    }
    finally {
        foreach ($key in $Environment.Keys) { Remove-Item "Env:$key" -ErrorAction SilentlyContinue }
    }
    # Reading the handle now keeps the exit code readable once the process has exited.
    $null = $process.Handle
    $script:processes += $process
    return $process
}

# Runs the CLI to its end in the background: `dotnet cerebrum.dll $Arguments`, stdout to $Out and stderr to $Out.err.
function Start-Cli([string[]]$Arguments, [string]$Out) {
    $process = Start-Process dotnet -PassThru -NoNewWindow -ArgumentList (Join-Arguments (@($cli) + $Arguments)) -RedirectStandardOutput $Out -RedirectStandardError "$Out.err"
    $null = $process.Handle
    return $process
}

# Waits (at most 30 s) until the daemon on $Directory has a peer on cerebrum/1/txs, so that a transaction it takes
# reaches the validators (one submitted earlier would stay in its mempool alone).
function Wait-TxsPeer([string]$Directory) {
    for ($i = 0; $i -lt 300; $i++) {
        $urlFile = Join-Path $Directory 'admin.url'
        $cookieFile = Join-Path $Directory '.cookie'
        if ((Test-Path $urlFile) -and (Test-Path $cookieFile)) {
            try {
                $status = Invoke-WebRequest -Uri "$((Get-Content $urlFile -Raw).Trim())status" -UseBasicParsing -TimeoutSec 2 `
                    -Headers @{ Authorization = "Bearer $((Get-Content $cookieFile -Raw).Trim())" }
                if (($status.Content -replace '\s', '') -match '"topic":"cerebrum/1/txs","meshPeers":[0-9]*,"topicPeers":[1-9]') { return }
            }
            catch {
                # Not serving yet.
            }
        }
        Start-Sleep -Milliseconds 100
    }
    throw "$Directory has no peer on cerebrum/1/txs within 30 s; see its log"
}

try {
    # Identities and model stores are kept between runs; the ledger is not: every run starts from a new genesis, so the
    # nodes' and the gateway's ledger views and payment records of an earlier run go.
    $minilm = ''
    for ($i = 1; $i -le $Nodes; $i++) {
        $dir = Join-Path $root "node-$i"
        if (-not (Test-Path (Join-Path $dir 'identity.key'))) { dotnet $daemon init --data-dir $dir | Out-Null }
        $models = (dotnet $cli model list --json --data-dir $dir 2>$null) -join "`n"
        if (-not ($models -match '"all-minilm-l6-v2"')) {
            dotnet $cli model add --builtin all-minilm-l6-v2 --data-dir $dir | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "importing the built-in model into $dir failed" }
            $models = (dotnet $cli model list --json --data-dir $dir) -join "`n"
        }
        if (-not $minilm) {
            if (($models -replace '\s', '') -match '"name":"all-minilm-l6-v2","hash":"(sha256:[0-9a-f]*)"') { $minilm = $Matches[1] }
            else { throw "no hash of all-minilm-l6-v2 in $dir's model list" }
        }
        Remove-Item (Join-Path $dir 'chain*.db'), (Join-Path $dir 'market*.db') -Force -ErrorAction SilentlyContinue
    }
    $gatewayDir = Join-Path $root 'gateway'
    if (-not (Test-Path (Join-Path $gatewayDir 'identity.key'))) { dotnet $daemon init --data-dir $gatewayDir | Out-Null }
    Remove-Item (Join-Path $gatewayDir 'chain*.db'), (Join-Path $gatewayDir 'market*.db') -Force -ErrorAction SilentlyContinue

    # The genesis: the validators' accounts, the faucet's, and every node's and the gateway's, each funded alike.
    $ledger = (New-Item -ItemType Directory -Force -Path (Join-Path $root 'ledger')).FullName
    Get-ChildItem $ledger -Directory | Where-Object { $_.Name -match '^v[0-9]+$' } | Remove-Item -Recurse -Force
    Remove-Item (Join-Path $ledger 'genesis.json') -Force -ErrorAction SilentlyContinue
    $fund = @()
    for ($i = 1; $i -le $Nodes; $i++) { $fund += @('--fund', (Join-Path $root "node-$i")) }
    $fund += @('--fund', $gatewayDir)
    $init = dotnet $daemon init --devnet $Validators --out $ledger --base-port 0 @fund
    if ($LASTEXITCODE -ne 0) { throw "cerebrumd init --devnet failed: $init" }
    $init | Set-Content (Join-Path $ledger 'init.out')
    $faucetLine = $init | Where-Object { $_.StartsWith('faucet key ') } | Select-Object -First 1
    $genesis = Join-Path $ledger 'genesis.json'

    # Validator 0 first (it starts in a moment); the nodes, the other validators and the gateway dial it.
    $validator0Process = Start-Daemon $ledger 'v0' @('run', '--data-dir', (Join-Path $ledger 'v0'))
    $validator0 = Wait-Line (Join-Path $ledger 'v0.out') 'listening' $validator0Process
    $nodeProcesses = @()
    for ($i = 1; $i -le $Nodes; $i++) {
        $nodeProcesses += Start-Daemon $root "node-$i" @('run', '--data-dir', (Join-Path $root "node-$i"), '--mode', 'node', '--genesis', $genesis, '--bootstrap', $validator0,
            '--listen', '/ip4/127.0.0.1/tcp/0', '--admin-port', '0') @{
            CEREBRUM__Node__HeartbeatInterval = '00:00:01'
            CEREBRUM__Node__PricePerRequest = "$Price"
            CEREBRUM__Market__Region = 'local'
            CEREBRUM__Market__Lease__PricePerHour = "$leasePrice"
            CEREBRUM__Market__OfferInterval = '00:00:05'
        }
    }
    for ($k = 1; $k -lt $Validators; $k++) {
        $null = Start-Daemon $ledger "v$k" @('run', '--data-dir', (Join-Path $ledger "v$k"), '--bootstrap', $validator0)
    }
    $bootstrap = @()
    $modelRegistration = $null
    for ($i = 1; $i -le $Nodes; $i++) {
        $address = Wait-Line (Join-Path $root "node-$i.out") 'listening' $nodeProcesses[$i - 1]
        [Console]::Error.WriteLine("node $i $address")
        $bootstrap += @('--bootstrap', $address)
        # On the ledger, as soon as node 1 serves it: the built-in model (RegisterModel, signed by the faucet).
        if ($i -eq 1) {
            Wait-TxsPeer (Join-Path $root 'node-1')
            $modelRegistration = Start-Cli @('model', 'register', 'all-minilm-l6-v2', '--key', (Join-Path $ledger 'faucet.key'), '--wait', '--wait-timeout', '60',
                '--data-dir', (Join-Path $root 'node-1')) (Join-Path $ledger 'register-model.out')
        }
    }
    [Console]::Error.WriteLine("validator 0 $validator0")
    $bootstrap += @('--bootstrap', $validator0)

    # The gateway pays the priced nodes from its account. It routes by the ledger (Gateway:Routing:Admission Active, the
    # default) and, while the validators' checks of the new nodes run, offers half of its requests first to the Registered
    # ones (RegisteredShare), so the devnet serves from its start rather than after the onboarding checks.
    $gateway = Start-Daemon $root 'gateway' (@('run', '--data-dir', $gatewayDir, '--mode', 'gateway', '--genesis', $genesis, '--http', "127.0.0.1:$Http", '--open',
            '--listen', '/ip4/127.0.0.1/tcp/0', '--admin-port', '0') + $bootstrap) @{ CEREBRUM__Gateway__Routing__RegisteredShare = '0.5' }

    # Then every node at once (RegisterNode with its stake and the model), each waiting for its block.
    $modelRegistration.WaitForExit()
    if ($modelRegistration.ExitCode -ne 0) {
        Get-Content (Join-Path $ledger 'register-model.out'), (Join-Path $ledger 'register-model.out.err') -ErrorAction SilentlyContinue | ForEach-Object { [Console]::Error.WriteLine($_) }
        throw "registering the model on the ledger failed (above); see the logs in $root and $ledger"
    }
    # A node whose ledger view is a block behind the model's registration refuses RegisterNode (UnknownModel): try again.
    $registrations = @{}
    for ($i = 1; $i -le $Nodes; $i++) { Wait-TxsPeer (Join-Path $root "node-$i") }
    for ($attempt = 0; $attempt -lt 40; $attempt++) {
        for ($i = 1; $i -le $Nodes; $i++) {
            if ($registrations.ContainsKey($i) -and $registrations[$i].ExitCode -eq 0) { continue }
            $registrations[$i] = Start-Cli @('node', 'register', '--stake', "$nodeStake", '--region', 'local', '--hardware', 'devnet cpu', '--claimed-mflops', "$nodeClaimMflops",
                '--model', $minilm, '--wait', '--wait-timeout', '60', '--data-dir', (Join-Path $root "node-$i")) (Join-Path $ledger "register-node-$i.out")
        }
        $failed = @()
        foreach ($i in $registrations.Keys) {
            $registrations[$i].WaitForExit()
            if ($registrations[$i].ExitCode -eq 0) { continue }
            $failed += $i
            $out = (Get-Content (Join-Path $ledger "register-node-$i.out"), (Join-Path $ledger "register-node-$i.out.err") -ErrorAction SilentlyContinue) -join "`n"
            if (-not ($out -match '\(UnknownModel\)') -or $attempt -eq 39) {
                [Console]::Error.WriteLine($out)
                throw "registering a node on the ledger failed (above); see the logs in $root and $ledger"
            }
        }
        if ($failed.Count -eq 0) { break }
        Start-Sleep -Milliseconds 250
    }
    $url = Wait-Line (Join-Path $root 'gateway.out') 'gateway' $gateway

    # Ready once the nodes' heartbeats have reached the gateway and the ledger has them.
    $ready = $false
    for ($i = 0; $i -lt 300 -and -not $ready; $i++) {
        try { Invoke-WebRequest -Uri "$url/v2/health/ready" -UseBasicParsing -TimeoutSec 2 | Out-Null; $ready = $true } catch { Start-Sleep -Milliseconds 100 }
    }
    if (-not $ready) { throw "the gateway heard no registered node within 30 s; see $root/gateway.log" }

    Write-Output "gateway $url"
    Write-Output "web app $url/cloud/"
    Write-Output 'the gateway is OPEN (--open): no API key needed, for local development only'
    Write-Output $faucetLine
    Write-Output 'try:'
    Write-Output "  curl -s $url/v1/embeddings -H 'Content-Type: application/json' -d '{`"model`":`"all-minilm-l6-v2`",`"input`":`"hello world`"}'"
    Write-Output 'Ctrl-C stops the devnet'
    while (-not ($processes | Where-Object { $_.HasExited })) { Start-Sleep -Milliseconds 500 }
    [Console]::Error.WriteLine("error: a daemon exited; see the logs in $root")
    exit 1
}
finally {
    [Console]::Error.WriteLine('stopping the devnet...')
    # Every daemon at once, then one bounded wait for them all (not one wait per daemon, which adds up).
    foreach ($process in $processes) {
        if (-not $process.HasExited) { Stop-Process -Id $process.Id -ErrorAction SilentlyContinue }
    }
    $deadline = (Get-Date).AddSeconds(30)
    foreach ($process in $processes) {
        $left = [int][Math]::Max(0, ($deadline - (Get-Date)).TotalMilliseconds)
        $process.WaitForExit($left) | Out-Null
    }
    [Console]::Error.WriteLine('devnet stopped')
}
