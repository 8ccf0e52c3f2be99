# The README's set-up step on Windows (and anywhere PowerShell runs): builds cerebrumd and cerebrum (Release) and puts two
# launchers with those names in a bin directory (default .data/bin in this repository), then prints the line that adds
# it to PATH.
#   scripts/install.ps1
#   scripts/install.ps1 -Bin C:\Tools\cerebrum
# The launchers run this checkout's build with the dotnet on PATH, so a later build updates them.
param([string]$Bin)
$ErrorActionPreference = 'Stop'

$repo = Split-Path -Parent $PSScriptRoot
if (-not $Bin) { $Bin = Join-Path $repo '.data/bin' }
if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) { Write-Error 'dotnet (the .NET 10 SDK) is not on PATH' }
[Console]::Error.WriteLine('building cerebrumd and cerebrum (Release)...')
foreach ($project in 'Cerebrum.Daemon', 'Cerebrum.Cli') {
    # Quiet: the build's output is shown only when it fails.
    $buildLog = dotnet build (Join-Path $repo "$project/$project.csproj") -c Release -nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { $buildLog | Out-Host; [Console]::Error.WriteLine("error: building $project failed"); exit 1 }
}

New-Item -ItemType Directory -Force -Path $Bin | Out-Null
$Bin = (Resolve-Path $Bin).Path
$launchers = @{
    'cerebrumd' = Join-Path $repo 'Cerebrum.Daemon/bin/Release/net10.0/cerebrumd.dll'
    'cerebrum' = Join-Path $repo 'Cerebrum.Cli/bin/Release/net10.0/cerebrum.dll'
}
foreach ($name in $launchers.Keys) {
    $dll = $launchers[$name]
    if ($IsWindows -or $env:OS -eq 'Windows_NT') {
        Set-Content -Path (Join-Path $Bin "$name.cmd") -Encoding ascii -Value "@rem $name from the Release build of $repo (written by scripts/install.ps1).`r`n@dotnet `"$dll`" %*"
    } else {
        $path = Join-Path $Bin $name
        Set-Content -Path $path -NoNewline -Value "#!/bin/sh`n# $name from the Release build of $repo (written by scripts/install.ps1).`nexec dotnet `"$dll`" `"`$@`"`n"
        chmod 755 $path
    }
}

Write-Output "installed cerebrumd and cerebrum in $Bin"
$separator = [IO.Path]::PathSeparator
if (($env:PATH -split [regex]::Escape($separator)) -contains $Bin) {
    Write-Output "$Bin is on PATH already"
} else {
    Write-Output 'add it to PATH (in your profile too, to keep it):'
    Write-Output "  `$env:PATH = `"$Bin$separator`$env:PATH`""
}
