using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Tests.Annotations;
using Aeg.Tests.Configuration;

namespace Aeg.Tests.Ha;

public sealed class HaConfigTests : IDisposable
{
    private readonly ConfigFolder _folder = new("aeg-ha-config-");

    public void Dispose() => _folder.Dispose();

    private string Config(string extra) => _folder.WithMappings(extra);

    [Fact]
    public void Ha_is_off_by_default_and_the_example_config_documents_the_defaults()
    {
        var defaults = AegConfig.Load(Config(""));
        Assert.False(defaults.Ha.Enabled);
        var example = AegConfig.Load(Path.Combine(TestServices.RepoRoot, "content", "config", "aeg.example.yaml"));
        Assert.False(example.Ha.Enabled);
        Assert.Equal(defaults.Ha.Takeover, example.Ha.Takeover);
        Assert.Equal(TimeSpan.FromSeconds(15), example.Ha.Takeover);
        Assert.Equal(defaults.Ha.Database, example.Ha.Database);
        Assert.Equal(defaults.Ha.LockName, example.Ha.LockName);
    }

    [Fact]
    public void A_valid_section_loads()
    {
        var o = AegConfig.Load(Config("ha: { enabled: true, database: aeg_state, lockName: soc-1, takeover: 30s }\n"));
        Assert.True(o.Ha.Enabled);
        Assert.Equal("aeg_state", o.Ha.Database);
        Assert.Equal("soc-1", o.Ha.LockName);
        Assert.Equal(TimeSpan.FromSeconds(10), o.Ha.HeartbeatInterval);
    }

    [Theory]
    [InlineData("ha: { enabled: true, database: arcsight }\n", "ha.database", "must not be the ESM database")]
    [InlineData("ha: { database: \"aeg; DROP\" }\n", "ha.database", "not a plain database name")]
    [InlineData("ha: { takeover: 2s }\n", "ha.takeover", "3s–1h")]
    [InlineData("ha: { takeover: 2h }\n", "ha.takeover", "3s–1h")]
    [InlineData("ha: { takeover: 4500ms }\n", "ha.takeover", "whole seconds")]
    [InlineData("ha: { lockName: \"\" }\n", "ha.lockName", "1–64")]
    [InlineData("ha: { lockName: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }\n", "ha.lockName", "1–64")]
    [InlineData("ha: { enable: true }\n", "ha.enable", "unknown key")]
    public void Bad_values_name_the_key_and_the_reason(string yaml, string key, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => AegConfig.Load(Config(yaml)));
        var problem = Assert.Single(ex.Problems, p => p.Key == key);
        Assert.Contains(reason, problem.Reason);
    }
}
