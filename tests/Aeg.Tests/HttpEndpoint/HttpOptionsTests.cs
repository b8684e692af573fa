using Aeg.Daemon;
using Aeg.HttpEndpoint;

namespace Aeg.Tests.HttpEndpoint;

public sealed class HttpOptionsTests
{
    [Fact]
    public void Defaults_are_off_loopback_and_port_9464_without_a_token()
    {
        var o = new HttpOptions();
        Assert.False(o.Enabled);
        Assert.Equal("127.0.0.1", o.Address);
        Assert.Equal(9464, o.Port);
        Assert.False(o.RequiresToken);
        Assert.Empty(o.Validate("http"));
    }

    [Theory]
    [InlineData("address: localhost", "http.address", "not an IP address")]
    [InlineData("port: 70000", "http.port", "0–65535")]
    [InlineData("port: -1", "http.port", "0–65535")]
    [InlineData("tokenEnv: A\n  tokenFile: /x", "http.tokenEnv", "not both")]
    public void Bad_values_are_refused_at_start_up_with_key_and_reason(string yaml, string key, string reason)
    {
        var dir = Directory.CreateTempSubdirectory("aeg-http-config-").FullName;
        try
        {
            var path = Path.Combine(dir, "aeg.yaml");
            File.WriteAllText(path, $"mappings: {TestServices.RepoFile("cef-mappings.yaml")}\nstate:\n  directory: {dir}/state\nhttp:\n  {yaml}\n");
            var ex = Assert.Throws<Aeg.Configuration.ConfigException>(() => Aeg.Daemon.AegConfig.Load(path));
            Assert.Contains(ex.Problems, p => p.Key == key && p.Reason.Contains(reason));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_relative_token_file_is_resolved_against_the_config_folder()
    {
        var o = new HttpOptions { TokenFile = "secrets/scrape-token" };
        o.ResolvePaths("/etc/aeg");
        Assert.Equal("/etc/aeg/secrets/scrape-token", o.TokenFile);
        Assert.True(o.RequiresToken);
    }
}
