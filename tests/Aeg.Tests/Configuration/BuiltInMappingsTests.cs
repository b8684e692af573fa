using Aeg.Configuration;
using Aeg.Daemon;

namespace Aeg.Tests.Configuration;

/// <summary>The cef-mappings.yaml built into aeg: the default of a config without <c>mappings:</c>, so the example passes its own check anywhere.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BuiltInMappingsTests : IDisposable
{
    private readonly ConfigFolder _config = new("aeg-builtin-mappings-");

    public void Dispose() => _config.Dispose();

    [Fact]
    public void The_built_in_mappings_are_the_repository_file_byte_for_byte()
    {
        Assert.Equal(File.ReadAllBytes(TestServices.RepoFile("cef-mappings.yaml")), BuiltInFiles.MappingsBytes());
    }

    [Fact]
    public void A_config_without_mappings_loads_the_built_in_ones()
    {
        var path = _config.Write("database:\n  passwordEnv: HOME\n");
        Assert.False(File.Exists(_config.File("cef-mappings.yaml")));

        var host = AegHost.Load(path, Serilog.Core.Logger.None);

        Assert.Null(host.Options.Mappings);
        var repo = RepoMappings.Load();
        Assert.Equal(repo.Header.DeviceProduct, host.Mappings.Header.DeviceProduct);
        Assert.Equal(repo.Fields.Select(f => (f.Key, f.Source, f.Label)), host.Mappings.Fields.Select(f => (f.Key, f.Source, f.Label)));
        Assert.Equal(repo.Flags, host.Mappings.Flags);
    }

    [Fact]
    public void A_mappings_key_still_names_the_file_that_is_used()
    {
        var mappings = File.ReadAllText(TestServices.RepoFile("cef-mappings.yaml")).Replace("deviceProduct: AEG", "deviceProduct: SITE", StringComparison.Ordinal);
        Assert.Contains("deviceProduct: SITE", mappings);
        _config.Write(mappings, "site-mappings.yaml");
        var path = _config.Write("mappings: site-mappings.yaml\ndatabase:\n  passwordEnv: HOME\n");

        var host = AegHost.Load(path, Serilog.Core.Logger.None);

        Assert.Equal("SITE", host.Mappings.Header.DeviceProduct);
    }

    [Fact]
    public void The_printed_example_with_database_and_syslog_edited_passes_the_check_with_nothing_beside_it()
    {
        var config = InstalledExampleConfig.Write(BuiltInFiles.Example(), _config.Dir);

        var findings = ConfigChecker.Check(config, out var summary);

        Assert.True(findings.Count == 0, string.Join("\n", findings));
        Assert.Contains($"mappings {BuiltInFiles.MappingsName} (", summary);
        Assert.DoesNotContain("not checked", summary);
    }
}
