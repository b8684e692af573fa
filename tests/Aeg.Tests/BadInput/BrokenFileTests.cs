using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Rules;
using Serilog;
using Xunit.Abstractions;

namespace Aeg.Tests.BadInput;

/// <summary>
/// The table of broken files (BadInput/BrokenFiles, one file per case): each must stop start-up,
/// through the loading path of <c>aeg run</c>, with the file, the key and the reason.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokenFileTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "db-secret-do-not-print";
    private static readonly string CasesDirectory = TestServices.RepoFile("tests/Aeg.Tests/BadInput/BrokenFiles");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aeg-broken-" + Guid.NewGuid().ToString("N")[..8]);

    private void CreateFiles()
    {
        Directory.CreateDirectory(_dir);
        foreach (var (name, content) in new[] { ("db-password", Secret), ("rt.token", "rt-token-do-not-print") })
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, content);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var kind in new[] { "config", "mappings", "rules" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(CasesDirectory, kind), "*.yaml").Order(StringComparer.Ordinal))
            {
                data.Add($"{kind}/{Path.GetFileName(file)}");
            }
        }

        return data;
    }

    [Fact]
    public async Task The_valid_base_files_start_up()
    {
        var config = Prepare(null);
        // Without this the table would prove nothing: each case differs from these files by one mistake.
        await StartUpAsync(config);
        Assert.True(Cases().Count >= 30, "the table of broken files is missing cases");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Broken_file_stops_start_up_with_file_key_and_reason(string caseName)
    {
        var caseFile = Path.Combine(CasesDirectory, caseName);
        var expect = Expectations(caseFile);
        var config = Prepare(caseName);

        var error = await Assert.ThrowsAsync<ConfigException>(() => StartUpAsync(config));
        output.WriteLine(error.Message);

        var expectedFile = expect.GetValueOrDefault("file") ?? TargetName(caseName);
        Assert.Equal(expectedFile, Path.GetFileName(error.File));
        Assert.Contains(error.Problems, p => p.Key.Contains(expect["key"], StringComparison.Ordinal) && p.Reason.Contains(expect["reason"], StringComparison.Ordinal));
        // What the operator sees: "<path>: <key>: <reason>", and never a secret.
        Assert.Contains($"{error.File}: ", error.Message);
        Assert.Contains(expect["key"], error.Message);
        Assert.DoesNotContain(Secret, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    // The start-up of `aeg run`: config, mappings and password (AegHost.Load), then the
    // listener pipeline with its rules and ticket systems (CefTicketPipeline.Create). Nothing
    // connects to a database or binds a port before these succeed.
    private static async Task StartUpAsync(string configPath)
    {
        var log = new LoggerConfiguration().CreateLogger();
        var host = AegHost.Load(configPath, log);
        await using var pipeline = CefTicketPipeline.Create(host.Options, host.ConfigPath, host.Log);
    }

    private static string TargetName(string caseName) => caseName.Split('/')[0] switch
    {
        "config" => "aeg.yaml",
        "mappings" => "cef-mappings.yaml",
        _ => "rules.yaml",
    };

    // The valid base files, with the case file in place of the one it breaks.
    private string Prepare(string? caseName)
    {
        CreateFiles();
        foreach (var name in new[] { "aeg.yaml", "cef-mappings.yaml", "rules.yaml" })
        {
            var source = caseName is not null && TargetName(caseName) == name
                ? Path.Combine(CasesDirectory, caseName)
                : Path.Combine(CasesDirectory, "valid", name);
            File.Copy(source, Path.Combine(_dir, name), overwrite: true);
        }

        return Path.Combine(_dir, "aeg.yaml");
    }

    private static Dictionary<string, string> Expectations(string caseFile)
    {
        var expect = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(caseFile).TakeWhile(l => l.StartsWith('#')))
        {
            if (line.StartsWith("# expect-", StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
            {
                expect[line[9..colon]] = line[(colon + 1)..].Trim();
            }
        }

        Assert.True(expect.ContainsKey("key") && expect.ContainsKey("reason"), $"{caseFile} lacks '# expect-key:' or '# expect-reason:'");
        return expect;
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
