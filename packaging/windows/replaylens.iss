; Inno Setup script for Windows: installs the PyInstaller onedir bundle and associates .rlsession files (and offers
; "Open with" for .json). NOT BUILT OR TESTED HERE (the project's machines are Linux); see packaging/README.md.
; Build on Windows: `pyinstaller packaging\replaylens.spec`, then `iscc packaging\windows\replaylens.iss`.
; The spec builds a windowed executable (console=False), so command-line output (replaylens info ...) is not shown
; in a console there; run `python -m replaylens` from a checkout for the command line.

#define AppName "Replay Lens"
#define AppVersion "0.1.0"
#define AppExe "replaylens.exe"

[Setup]
AppId={{6E1B2B7C-5A43-4C0B-9B8E-7A1D2C3E4F50}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Replay Lens
DefaultDirName={autopf}\Replay Lens
DefaultGroupName=Replay Lens
OutputDir=..\..\dist
OutputBaseFilename=replaylens-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayIcon={app}\{#AppExe}

[Files]
Source: "..\..\dist\replaylens\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Replay Lens"; Filename: "{app}\{#AppExe}"
Name: "{group}\Replay Lens demo"; Filename: "{app}\{#AppExe}"; Parameters: "demo"

[Registry]
; .rlsession -> ReplayLens.Session, opened by double-click (the path arrives on the command line: %1)
Root: HKA; Subkey: "Software\Classes\.rlsession"; ValueType: string; ValueName: ""; ValueData: "ReplayLens.Session"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\ReplayLens.Session"; ValueType: string; ValueName: ""; ValueData: "Replay Lens session"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\ReplayLens.Session\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\ReplayLens.Session\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
; rrweb recordings are plain .json: offer Replay Lens under "Open with", never take .json over
Root: HKA; Subkey: "Software\Classes\.json\OpenWithProgids"; ValueType: string; ValueName: "ReplayLens.Recording"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\ReplayLens.Recording"; ValueType: string; ValueName: ""; ValueData: "rrweb recording"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\ReplayLens.Recording\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".rlsession"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".json"; ValueData: ""

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "demo"; Description: "Open the demo session"; Flags: nowait postinstall skipifsilent
