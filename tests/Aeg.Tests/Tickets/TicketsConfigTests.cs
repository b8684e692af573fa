using Aeg.Configuration;
using Aeg.Tests.Configuration;
using Aeg.Tickets;
using Xunit;

namespace Aeg.Tests.Tickets;

/// <summary>The <c>tickets:</c> config section: parsing, defaults, validation with key paths, secrets and their files.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TicketsConfigTests : IDisposable
{
    private readonly ConfigFolder _config = new("aeg-tickets-");

    public void Dispose() => _config.Dispose();

    private const string Section = "state:\n  directory: ./state\ntickets:\n";

    private List<ConfigProblem> Problems(string tickets) => _config.Problems(Section + tickets);

    private ConfigProblem OnlyProblemOfSystemRt(string type, string? extraKey = null) =>
        Assert.Single(Problems($"  systems:\n    rt:\n      type: {type}\n      url: https://rt.example\n" + (extraKey is null ? "" : $"      {extraKey}\n")));

    [Fact]
    public void Loads_every_system_type_with_durations_and_resolves_paths_against_the_config_folder()
    {
        var options = _config.Load(Section + """
              workers: 2
              drainTimeout: 3s
              systems:
                rt-main:
                  type: rt
                  url: http://127.0.0.1:18080
                  auth: basic
                  user: cefbot
                  passwordFile: secrets/rt.pw
                  timeout: 15s
                  retry: { maxAttempts: 7, baseDelay: 500ms, maxDelay: 2m }
                jira:
                  type: jira
                  url: https://jira.example
                  user: aeg@example.com
                  passwordEnv: JIRA_TOKEN
                reveal:
                  type: extrahop
                  url: https://eh.example
                  tokenEnv: EH_KEY
                hook:
                  type: webhook
                  url: https://hooks.example/aeg
                  tokenFile: /etc/aeg/hook.secret
            """);

        var t = options.Tickets;
        Assert.Equal((2, TimeSpan.FromSeconds(3)), (t.Workers, t.DrainTimeout));
        Assert.Equal(Path.Combine(_config.Dir, "state", "dead-letter"), t.DeadLetterPath(options.State.Directory));
        var rt = t.Systems["rt-main"];
        Assert.Equal((TicketSystemType.Rt, TicketAuth.Basic, "cefbot"), (rt.Type, rt.EffectiveAuth, rt.User));
        Assert.Equal(_config.File("secrets/rt.pw"), rt.PasswordFile);
        Assert.Equal((7, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(15)),
            (rt.Retry.MaxAttempts, rt.Retry.BaseDelay, rt.Retry.MaxDelay, rt.Timeout));
        Assert.Equal((TicketSystemType.Jira, TicketAuth.Basic), (t.Systems["jira"].Type, t.Systems["jira"].EffectiveAuth));
        Assert.Equal((TicketSystemType.ExtraHop, TicketAuth.ApiKey), (t.Systems["reveal"].Type, t.Systems["reveal"].EffectiveAuth));
        Assert.Equal((TicketSystemType.Webhook, TicketAuth.Hmac), (t.Systems["hook"].Type, t.Systems["hook"].EffectiveAuth));
    }

    [Fact]
    public void Invalid_values_are_reported_with_their_key_paths()
    {
        var problems = Problems("""
              workers: 0
              systems:
                rt:
                  type: rt
                  url: ftp://rt.example
                  auth: bearer
                  retry: { maxAttempts: 0, baseDelay: 2s, maxDelay: 1s }
                jira:
                  type: jira
                  url: https://jira.example
                  tokenEnv: A
                  tokenFile: b
            """);

        ConfigFolder.AssertKeys(problems,
            "tickets.workers", "tickets.systems.rt.url", "tickets.systems.rt.auth", "tickets.systems.rt.retry.maxAttempts",
            "tickets.systems.rt.retry.maxDelay", "tickets.systems.jira.user", "tickets.systems.jira.passwordEnv", "tickets.systems.jira.tokenEnv");
        Assert.Contains(problems, p => p.Key == "tickets.systems.rt.auth" && p.Reason.Contains("token or basic"));
    }

    [Fact]
    public void A_url_with_credentials_is_rejected_without_echoing_them()
    {
        var ex = Assert.Throws<ConfigException>(() => _config.Load(Section + """
              systems:
                rt:
                  type: rt
                  url: https://cefbot:S3cret-in-url@rt.example
                  tokenEnv: X
            """));

        Assert.Contains(ex.Problems, p => p.Key == "tickets.systems.rt.url");
        Assert.DoesNotContain("S3cret-in-url", ex.Message);
    }

    [Fact]
    public void Secrets_in_the_config_file_and_unknown_keys_are_rejected_with_their_key()
    {
        var password = OnlyProblemOfSystemRt("rt", "password: hunter2");
        var unknown = OnlyProblemOfSystemRt("rt", "tokn: x");
        var badType = OnlyProblemOfSystemRt("servicenow");

        Assert.Equal(("tickets.systems.rt.password", "tickets.systems.rt.tokn", "tickets.systems.rt.type"), (password.Key, unknown.Key, badType.Key));
        Assert.Contains("passwordEnv or passwordFile", password.Reason);
    }

    [Fact]
    public void Credentials_are_read_through_each_systems_keys_and_readable_files_are_warned_about_by_system()
    {
        var file = _config.File("token");
        File.WriteAllText(file, "tok-123\n");
        var env = "AEG_TEST_T_" + Guid.NewGuid().ToString("N")[..8];
        var options = new TicketsOptions
        {
            Systems = new()
            {
                ["a"] = new() { Type = TicketSystemType.Rt, Url = "http://x", TokenFile = file },
                ["b"] = new() { Type = TicketSystemType.Jira, Url = "http://x", User = "u", PasswordEnv = env },
            },
        };

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var warning = Assert.Single(TicketSecrets.PermissionWarnings(options));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var missingEnv = Assert.Throws<ConfigException>(() => TicketSecrets.Resolve("b", options.Systems["b"], "aeg.yaml"));
        Environment.SetEnvironmentVariable(env, "pw-456");
        var basic = TicketSecrets.Resolve("b", options.Systems["b"], "aeg.yaml");
        Environment.SetEnvironmentVariable(env, null);

        Assert.StartsWith($"tickets.systems.a: secret file {file} is readable", warning);
        Assert.Empty(TicketSecrets.PermissionWarnings(options));
        Assert.Equal(new TicketCredential(TicketAuth.Token, null, "tok-123"), TicketSecrets.Resolve("a", options.Systems["a"], "aeg.yaml"));
        Assert.Equal("tickets.systems.b.passwordEnv", missingEnv.Problems.Single().Key);
        Assert.Equal(new TicketCredential(TicketAuth.Basic, "u", "pw-456"), basic);
    }

    [Fact]
    public void Scrubber_replaces_every_form_of_every_secret()
    {
        var credential = new TicketCredential(TicketAuth.Basic, "user", "p@ss word");
        var scrubber = new SecretScrubber(credential.SecretForms());

        var text = scrubber.Scrub($"x p@ss word y {Uri.EscapeDataString("p@ss word")} z Basic {credential.BasicHeaderValue}");

        Assert.Equal("x *** y *** z Basic ***", text);
    }
}
