using Aeg.Configuration;

namespace Aeg.Tests.Configuration;

/// <summary>The one secrets reader: environment variable or first line of a file, relative paths, permission warning, errors naming the key.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretsTests : IDisposable
{
    private readonly ConfigFolder _config = new("aeg-secrets-");
    private readonly string _env = "AEG_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_env, null);
        _config.Dispose();
    }

    private string ConfigFile => _config.File("aeg.yaml");

    private SecretSource Source(string? env = null, string? file = null) => new(env, file, "x.tokenEnv", "x.tokenFile");

    [Fact]
    public void An_environment_variable_gives_its_value_and_a_missing_one_names_the_env_key()
    {
        var missing = Assert.Throws<ConfigException>(() => Secrets.ReadOptional(Source(env: _env), ConfigFile));
        Environment.SetEnvironmentVariable(_env, "from-env");

        Assert.Equal("from-env", Secrets.ReadOptional(Source(env: _env), ConfigFile));
        Assert.Equal((ConfigFile, "x.tokenEnv"), (missing.File, Assert.Single(missing.Problems).Key));
        Assert.Contains($"environment variable {_env} is not set", missing.Message);
    }

    [Fact]
    public void A_file_gives_its_first_line_with_a_relative_path_taken_against_the_config_folder()
    {
        Directory.CreateDirectory(_config.File("secrets"));
        File.WriteAllText(_config.File("secrets/token"), "  tok-123  \nsecond line ignored\n");

        Assert.Equal("  tok-123  ", Secrets.ReadOptional(Source(file: "secrets/token"), ConfigFile));
        Assert.Equal("tok-123", Secrets.ReadRequired(Source(file: "secrets/token"), ConfigFile));
        Assert.Equal("tok-123", Secrets.ReadRequired(Source(file: _config.File("secrets/token")), "elsewhere/aeg.yaml"));
    }

    [Fact]
    public void A_missing_file_names_the_config_the_file_key_and_the_path_but_no_secret()
    {
        var missing = Assert.Throws<ConfigException>(() => Secrets.ReadOptional(Source(file: "nowhere/token"), ConfigFile));

        Assert.Equal((ConfigFile, "x.tokenFile"), (missing.File, Assert.Single(missing.Problems).Key));
        Assert.Equal("cannot read nowhere/token: no such file", missing.Problems[0].Reason);
    }

    [Fact]
    public void An_optional_secret_may_be_absent_but_a_required_one_must_be_present_and_not_empty()
    {
        File.WriteAllText(_config.File("empty"), "   \n");

        Assert.Null(Secrets.ReadOptional(Source(), ConfigFile));
        Assert.Equal("", Secrets.ReadOptional(Source(file: "empty"), ConfigFile)?.Trim());
        var none = Assert.Throws<ConfigException>(() => Secrets.ReadRequired(Source(), ConfigFile));
        var empty = Assert.Throws<ConfigException>(() => Secrets.ReadRequired(Source(file: "empty"), ConfigFile));
        Assert.Equal(new ConfigProblem("x.tokenEnv", "no secret configured"), Assert.Single(none.Problems));
        Assert.Equal(new ConfigProblem("x.tokenFile", "the secret is empty"), Assert.Single(empty.Problems));
    }

    [Fact]
    public void A_file_others_can_read_gets_one_warning_without_the_secret_and_one_only_aegs_group_can_read_none()
    {
        var file = _config.File("pw");
        File.WriteAllText(file, "from-file\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var privateFile = Secrets.PermissionWarning("pw", "password file", ConfigFile);
        // A new file takes the process's group: 0640 is then root:aeg 0640 as the unit installs it.
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var ownGroupReadable = Secrets.PermissionWarning("pw", "password file", ConfigFile);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Assert.Null(privateFile);
        Assert.Null(ownGroupReadable);
        var warning = DatabaseWarning(file);
        Assert.Equal("password file pw is readable by every user (mode 604); run chmod 600 on it, or chmod 640 with group aeg (root:aeg)", warning);
        Assert.DoesNotContain("from-file", warning);
        Assert.Null(Secrets.PermissionWarning("missing", "password file", ConfigFile));
        Assert.Null(Secrets.PermissionWarning(null, "password file", ConfigFile));
    }

    [Fact]
    public void A_file_readable_by_a_group_aeg_is_not_in_gets_a_warning_naming_that_group()
    {
        var file = _config.File("pw");
        File.WriteAllText(file, "from-file\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        // Only root may give a file a group it is not in itself; the tests run as root (aeg.sh test, CI).
        using (var chgrp = System.Diagnostics.Process.Start("chgrp", ["nogroup", file]))
        {
            chgrp.WaitForExit();
            Assert.True(chgrp.ExitCode == 0, "chgrp nogroup needs root");
        }

        Assert.Equal("password file pw is readable by group nogroup (65534), which aeg does not run in (mode 640); run chmod 600 on it, or chmod 640 with group aeg (root:aeg)",
            Secrets.PermissionWarning("pw", "password file", ConfigFile));
    }

    [Fact]
    public void Both_sources_set_is_one_problem_on_the_env_key()
    {
        Assert.Equal(new ConfigProblem("x.tokenEnv", "set tokenEnv or tokenFile, not both"), Source(env: "A", file: "b").NotBoth());
        Assert.Null(Source(env: "A").NotBoth());
        Assert.Null(Source(file: "b").NotBoth());
    }

    private static string? DatabaseWarning(string file) =>
        DatabasePassword.WorldReadableWarning(new DatabaseOptions { PasswordFile = file })?.Replace(file, "pw", StringComparison.Ordinal);
}
