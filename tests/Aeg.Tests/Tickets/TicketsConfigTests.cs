using Aeg.Configuration;
using Aeg.Tickets;
using Xunit;

namespace Aeg.Tests.Tickets;

/// <summary>The <c>tickets:</c> config section: parsing, defaults, validation with key paths, secrets and their files.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TicketsConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string tickets)
    {
        File.WriteAllText(_dir.File("cef-mappings.yaml"), "");
        var path = _dir.File("aeg.yaml");
        File.WriteAllText(path, "state:\n  directory: ./state\ntickets:\n" + tickets);
        return path;
    }

    private List<ConfigProblem> Problems(string tickets) =>
        Assert.Throws<ConfigException>(() => AegConfig.Load(Write(tickets))).Problems.ToList();

    [Fact]
    public void Loads_every_system_type_with_durations_and_resolves_paths_against_the_config_folder()
    {
        var options = AegConfig.Load(Write("""
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
            """));

        var t = options.Tickets;
        Assert.Equal((2, TimeSpan.FromSeconds(3)), (t.Workers, t.DrainTimeout));
        Assert.Equal(Path.Combine(_dir.Path, "state", "dead-letter"), t.DeadLetterPath(options.State.Directory));
        var rt = t.Systems["rt-main"];
        Assert.Equal((TicketSystemType.Rt, TicketAuth.Basic, "cefbot"), (rt.Type, rt.EffectiveAuth, rt.User));
        Assert.Equal(_dir.File("secrets/rt.pw"), rt.PasswordFile);
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

        var keys = problems.Select(p => p.Key).ToList();
        Assert.Contains("tickets.workers", keys);
        Assert.Contains("tickets.systems.rt.url", keys);
        Assert.Contains("tickets.systems.rt.auth", keys);
        Assert.Contains("tickets.systems.rt.retry.maxAttempts", keys);
        Assert.Contains("tickets.systems.rt.retry.maxDelay", keys);
        Assert.Contains("tickets.systems.jira.user", keys);
        Assert.Contains("tickets.systems.jira.passwordEnv", keys);
        Assert.Contains("tickets.systems.jira.tokenEnv", keys);
        Assert.Contains(problems, p => p.Key == "tickets.systems.rt.auth" && p.Reason.Contains("token or basic"));
    }

    [Fact]
    public void A_url_with_credentials_is_rejected_without_echoing_them()
    {
        var ex = Assert.Throws<ConfigException>(() => AegConfig.Load(Write("""
              systems:
                rt:
                  type: rt
                  url: https://cefbot:S3cret-in-url@rt.example
                  tokenEnv: X
            """)));

        Assert.Contains(ex.Problems, p => p.Key == "tickets.systems.rt.url");
        Assert.DoesNotContain("S3cret-in-url", ex.Message);
    }

    [Fact]
    public void Secrets_in_the_config_file_and_unknown_keys_are_rejected_with_their_key()
    {
        var password = Assert.Single(Problems("""
              systems:
                rt:
                  type: rt
                  url: https://rt.example
                  password: hunter2
            """));
        var unknown = Assert.Single(Problems("""
              systems:
                rt:
                  type: rt
                  url: https://rt.example
                  tokn: x
            """));
        var badType = Assert.Single(Problems("""
              systems:
                rt:
                  type: servicenow
                  url: https://rt.example
            """));

        Assert.Equal("tickets.systems.rt.password", password.Key);
        Assert.Contains("passwordEnv or passwordFile", password.Reason);
        Assert.Equal("tickets.systems.rt.tokn", unknown.Key);
        Assert.Equal("tickets.systems.rt.type", badType.Key);
    }

    [Fact]
    public void Secrets_come_from_environment_or_file_and_group_readable_files_are_warned_about()
    {
        var file = _dir.File("token");
        File.WriteAllText(file, "  tok-123  \nsecond line ignored\n");
        var env = "AEG_TEST_T_" + Guid.NewGuid().ToString("N")[..8];
        var options = new TicketsOptions
        {
            Systems = new()
            {
                ["a"] = new() { Type = TicketSystemType.Rt, Url = "http://x", TokenFile = file },
                ["b"] = new() { Type = TicketSystemType.Jira, Url = "http://x", User = "u", PasswordEnv = env },
            },
        };

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var warning = Assert.Single(TicketSecrets.PermissionWarnings(options));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var missingEnv = Assert.Throws<ConfigException>(() => TicketSecrets.Resolve("b", options.Systems["b"], "aeg.yaml"));
        Environment.SetEnvironmentVariable(env, "pw-456");
        var basic = TicketSecrets.Resolve("b", options.Systems["b"], "aeg.yaml");
        Environment.SetEnvironmentVariable(env, null);

        Assert.Contains("tickets.systems.a", warning);
        Assert.Contains("chmod 600", warning);
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
