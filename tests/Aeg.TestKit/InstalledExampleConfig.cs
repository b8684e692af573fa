using System.Text.RegularExpressions;

namespace Aeg.TestKit;

/// <summary>
/// <c>aeg config example</c> as an installer leaves it: the edits the example's header asks for
/// (database host, user and password file; syslog host), written to a folder with nothing else in it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class InstalledExampleConfig
{
    /// <summary>Writes the edited <paramref name="example"/> as <c>aeg.yaml</c> and a 0600 password file into <paramref name="dir"/>; returns the config's path.</summary>
    public static string Write(string example, string dir)
    {
        var passwordFile = Path.Combine(dir, "db-password");
        File.WriteAllText(passwordFile, "not-a-real-password\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var yaml = Edit(example, @"^  host: 127\.0\.0\.1 +# example: the ESM manager's MySQL host$", "  host: esm.example.com");
        yaml = Edit(yaml, @"^  user: aeg_reader\b.*$", "  user: aeg_site_reader");
        yaml = Edit(yaml, @"^  passwordEnv: AEG_DB_PASSWORD\b.*$", $"  passwordFile: {passwordFile}");
        yaml = Edit(yaml, @"^  host: 127\.0\.0\.1 +# example: the SmartConnector$", "  host: smartconnector.example.com");
        var config = Path.Combine(dir, "aeg.yaml");
        File.WriteAllText(config, yaml);
        return config;
    }

    // Each edit must find its line: an example that changed shape fails here, not with a config the edits missed.
    private static string Edit(string yaml, string line, string replacement)
    {
        var regex = new Regex(line, RegexOptions.Multiline);
        return regex.Matches(yaml).Count == 1
            ? regex.Replace(yaml, replacement)
            : throw new InvalidOperationException($"the example has not exactly one line matching {line}");
    }
}
