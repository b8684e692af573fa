using Aeg.Daemon;
using Aeg.Esm;

namespace Aeg.Tests.Esm;

/// <summary>The <c>esm:</c> section is validated at start-up with key and reason, and never echoes a secret.</summary>
public sealed class EsmOptionsTests
{
    private static List<string> Problems(EsmOptions o) => [.. o.Validate("esm").Select(p => $"{p.Key}: {p.Reason}")];

    [Fact]
    public void An_absent_section_is_valid_and_off()
    {
        Assert.Empty(Problems(new EsmOptions()));
        Assert.False(new EsmOptions().IsConfigured);
    }

    [Fact]
    public void Each_bad_key_is_named()
    {
        var problems = Problems(new EsmOptions
        {
            Url = "ftp://esm",
            PasswordEnv = "A",
            PasswordFile = "b",
            CaFile = "/no/such/ca.pem",
            Timeout = TimeSpan.Zero,
            CacheSize = -1,
        });

        Assert.Contains(problems, p => p.StartsWith("esm.url: must be an absolute https://", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("esm.user: is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("esm.passwordEnv: set passwordEnv or passwordFile, not both", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("esm.caFile: no such file", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("esm.timeout:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("esm.cacheSize:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_url_with_credentials_is_refused_without_repeating_it()
    {
        var problems = Problems(new EsmOptions { Url = "https://admin:Hunter2pw@esm:8443", User = "u", PasswordEnv = "X" });

        var problem = Assert.Single(problems);
        Assert.StartsWith("esm.url: must not contain credentials", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2pw", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_keys_without_a_url_are_an_error()
    {
        Assert.Equal(["esm.url: is required when any other esm key is set"], Problems(new EsmOptions { User = "u" }));
    }

    [Fact]
    public void A_bad_esm_section_stops_the_config_load_with_file_key_and_reason()
    {
        using var dir = new TempDirectory();
        var file = dir.File("aeg.yaml");
        File.WriteAllText(file, "database: { host: db, user: u, passwordEnv: P }\nsyslog: { host: h }\nesm:\n  url: https://esm:8443\n  user: aeg\n");

        var ex = Assert.Throws<Aeg.Configuration.ConfigException>(() => AegConfig.Load(file));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("esm.passwordEnv: the ESM login needs passwordEnv or passwordFile", ex.Message, StringComparison.Ordinal);
    }
}
