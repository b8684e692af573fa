namespace Aeg.IntegrationTests.Cli;

/// <summary>The install steps as a user runs them with the executable: <c>aeg config example</c> into a folder of its own, edit, <c>aeg config check</c>.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConfigInstallProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-config-install-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_printed_example_with_database_and_syslog_edited_passes_config_check_without_a_mappings_file()
    {
        var (exampleExit, example, _) = await AegProcess.RunAsync(["config", "example"]);
        Assert.Equal(0, exampleExit);
        var config = InstalledExampleConfig.Write(example, _dir);
        Assert.Equal(["aeg.yaml", "db-password"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var (exit, stdout, stderr) = await AegProcess.RunAsync(["config", "check", "--config", config]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.StartsWith("OK: ", stdout);
        Assert.Contains("; mappings built-in cef-mappings.yaml (", stdout);
    }

    [Fact]
    public async Task Config_mappings_prints_the_repository_file_byte_for_byte()
    {
        var (exit, stdout, _) = await AegProcess.RunAsync(["config", "mappings"]);
        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllText(TestServices.RepoFile("cef-mappings.yaml")), stdout);
    }
}
