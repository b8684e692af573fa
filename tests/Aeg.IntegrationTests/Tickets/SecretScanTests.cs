using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Aeg.IntegrationTests.Annotations;
using Aeg.Tickets;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>
/// The secret scan of issue 19: secrets configured in every form (a webhook whose address is the secret via
/// urlEnv, a Jira address via urlFile, a query-string key in a webhook's plain url, RT token file, Jira basic password,
/// ExtraHop API key, webhook HMAC key, the database password), a receiver (in-process HTTP server) that echoes
/// the request line, every header and the body back in 4xx and 5xx error bodies, the real <c>aeg run</c>
/// (native when AEG_TEST_BINARY is set) until every job is a dead letter, then <c>aeg tickets retry</c> and
/// <c>aeg tickets list</c>: no secret may appear in stdout, stderr, the log files or any file of the state
/// directory (SQLite files read as bytes).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecretScanTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string HookPathSecret = "T0HOOKPATHSECRET", HookKeySecret = "XHOOKKEYSEGMENT77", HookQuerySecret = "HOOKQUERYVALUE42";
    private const string QuerySecret = "URLQUERYKEY9001", JiraUrlSecret = "JIRAURLSIG31337";
    private const string RtToken = "RTTOKEN-secret-5150", JiraPassword = "JIRAPASSWORD-secret-2112", ExtraHopKey = "EXTRAHOPKEY-secret-8080";
    private const string HmacKey = "HMACKEY-secret-1984", DbPasswordVariable = "AEG_SCAN_DB_PASSWORD";

    // Echoes everything it got, as a careless server's error page does.
    private static Reply Echo(RecordedRequest r, int n)
    {
        var text = new StringBuilder($"rejected {r.Method} {r.Path}\n");
        foreach (var (name, value) in r.Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\n");
        }
        text.Append("body: ").Append(r.Body);
        // Jira and ExtraHop fail transiently (retried, then dead), RT and the webhook permanently.
        var status = r.Path.StartsWith("/jira", StringComparison.Ordinal) || r.Path.StartsWith("/eh", StringComparison.Ordinal) ? 503 : 400;
        return new Reply(status, text.ToString());
    }

    [Fact]
    public async Task No_configured_secret_reaches_any_output_log_dead_letter_or_state_file_even_when_the_server_echoes_it()
    {
        await using var server = await InProcessHttpServer.StartAsync(Echo);
        await using var h = await PollerHarness.CreateAsync();
        var baseUrl = server.BaseUrl.ToString().TrimEnd('/');
        var hookUrl = $"{baseUrl}/hooks/{HookPathSecret}/B0/{HookKeySecret}?key={HookQuerySecret}&v=1";
        File.WriteAllText(_dir.File("jira.url"), $"{baseUrl}/jira/{JiraUrlSecret}\n");
        File.WriteAllText(_dir.File("rt.token"), RtToken + "\n");
        File.SetUnixFileMode(_dir.File("rt.token"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var state = _dir.File("state");
        var logs = _dir.File("logs");
        Directory.CreateDirectory(_dir.File("rules"));
        File.WriteAllText(_dir.File("rules/scan.yaml"), """
            rules:
              - name: scan
                when: [{ field: deviceVendor, equals: Scan }]
                dedupe: "{{cs1}}"
                actions:
                  - { target: hook, create: { key: "{{cs1}}" } }
                  - { target: hook2, create: { key: "{{cs1}}" } }
                  - { target: rt, create: { Queue: General, Subject: "scan {{cs1}}" } }
                  - { target: jira, create: { project: SOC, summary: "scan {{cs1}}" } }
                  - { target: eh, create: { detectionId: "{{cn1}}", ticket_id: "{{cs1}}" } }
            """);
        var listenPort = FreePorts.Tcp();
        var o = h.Db.Options;
        var config = _dir.File("aeg.yaml");
        File.WriteAllText(config, $$"""
            database: { host: {{o.Host}}, port: {{o.Port}}, database: {{o.Database}}, user: {{o.User}}, passwordEnv: {{DbPasswordVariable}}, sslMode: None }
            poller: { batchSize: 10, firstStart: beginning, interval: 1s }
            state: { directory: {{state}} }
            syslog: { host: 127.0.0.1, port: {{FreePorts.Tcp()}}, protocol: udp }
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            logging: { directory: {{logs}}, level: debug }
            listen:
              listeners: [{ protocol: tcp, address: 127.0.0.1, port: {{listenPort}} }]
            rules: { path: {{_dir.File("rules")}} }
            tickets:
              drainTimeout: 1s
              systems:
                hook: { type: webhook, urlEnv: AEG_SCAN_HOOK_URL, tokenEnv: AEG_SCAN_HMAC, retry: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 50ms } }
                hook2: { type: webhook, url: "{{baseUrl}}/hook2?apikey={{QuerySecret}}", auth: none, retry: { maxAttempts: 1 } }
                rt: { type: rt, url: "{{baseUrl}}/rt", tokenFile: {{_dir.File("rt.token")}}, retry: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 50ms } }
                jira: { type: jira, urlFile: {{_dir.File("jira.url")}}, user: bot, passwordEnv: AEG_SCAN_JIRA_PASSWORD, retry: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 50ms } }
                eh: { type: extrahop, url: "{{baseUrl}}/eh", tokenEnv: AEG_SCAN_EH_KEY, retry: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 50ms } }
            """);
        var environment = new Dictionary<string, string>
        {
            [DbPasswordVariable] = h.Db.Password,
            ["AEG_SCAN_HOOK_URL"] = hookUrl,
            ["AEG_SCAN_HMAC"] = HmacKey,
            ["AEG_SCAN_JIRA_PASSWORD"] = JiraPassword,
            ["AEG_SCAN_EH_KEY"] = ExtraHopKey,
        };

        var runOutput = "";
        using (var aeg = AegProcess.Start(["run", "--config", config], environment))
        {
            using (var client = await ConnectAsync(aeg, listenPort))
            {
                for (var i = 1; i <= 3; i++)
                {
                    await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"CEF:0|Scan|Secrets|1|1|scan|5|cs1=key{i} cn1={i}\n"));
                }
            }
            await WaitUntil.HoldsAsync(() => DeadLetters(state) == 15, "15 dead letters (3 keys x 5 targets)", TimeSpan.FromSeconds(60),
                detail: () => aeg.Output[^Math.Min(3000, aeg.Output.Length)..]);
            await aeg.SignalAsync("TERM");
            await aeg.WaitForExitAsync(TimeSpan.FromSeconds(30));
            runOutput = aeg.Stdout + "\n" + aeg.Stderr;
        }
        var retry = await AegProcess.RunAsync(["tickets", "retry", "--config", config], environment);
        var list = await AegProcess.RunAsync(["tickets", "list", "--config", config], environment);

        // The server saw the secrets (so they were really in play) and echoed them.
        var seen = string.Join("\n", server.Requests.Select(r => r.Path + string.Join(" ", r.Headers.Values)));
        Assert.Contains(HookKeySecret, seen);
        Assert.Contains(QuerySecret, seen);
        Assert.Contains(JiraUrlSecret, seen);
        Assert.Contains(ExtraHopKey, seen);
        Assert.Contains(RtToken, seen);
        Assert.NotEqual(0, retry.Exit);   // the server still fails: the letters stay, with their (scrubbed) errors
        Assert.Contains("***", runOutput);
        Assert.Contains("dead letter", list.Stdout);

        string[] secrets =
        [
            HookPathSecret, HookKeySecret, HookQuerySecret, hookUrl, QuerySecret, JiraUrlSecret, RtToken, JiraPassword, ExtraHopKey, HmacKey,
            Convert.ToBase64String(Encoding.UTF8.GetBytes("bot:" + JiraPassword)),
            .. h.Db.Password.Length >= 6 ? [h.Db.Password] : Array.Empty<string>(),
        ];
        var outputs = new Dictionary<string, byte[]>
        {
            ["aeg run output"] = Encoding.UTF8.GetBytes(runOutput),
            ["aeg tickets retry output"] = Encoding.UTF8.GetBytes(retry.Stdout + "\n" + retry.Stderr),
            ["aeg tickets list output"] = Encoding.UTF8.GetBytes(list.Stdout + "\n" + list.Stderr),
        };
        foreach (var file in Directory.EnumerateFiles(logs, "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(state, "*", SearchOption.AllDirectories)))
        {
            outputs[file] = File.ReadAllBytes(file);
        }
        Assert.Contains(outputs.Keys, k => k.EndsWith("tickets.db", StringComparison.Ordinal));
        Assert.Contains(outputs.Keys, k => k.StartsWith(logs, StringComparison.Ordinal));
        var leaks = (from o2 in outputs
                     from secret in secrets
                     where Contains(o2.Value, secret)
                     select $"{o2.Key} contains {secret[..4]}…").ToList();
        output.WriteLine($"scanned {outputs.Count} outputs/files ({outputs.Values.Sum(v => v.Length)} bytes) for {secrets.Length} secrets; {server.Requests.Count} requests echoed");
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    // As UTF-8 and, for SQLite's and .NET's UTF-16 spots, as UTF-16.
    private static bool Contains(byte[] haystack, string secret) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) >= 0;

    private static long DeadLetters(string state)
    {
        var path = TicketStore.DefaultPath(state);
        if (!File.Exists(path))
        {
            return 0;
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM ticket_jobs WHERE state = 'dead'";
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0;   // the table is not created yet
        }
    }

    private static async Task<TcpClient> ConnectAsync(AegProcess aeg, int port)
    {
        TcpClient? connected = null;
        await WaitUntil.HoldsAsync(async () =>
        {
            Assert.False(aeg.HasExited, aeg.Output);
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port);
                connected = client;
                return true;
            }
            catch (SocketException)
            {
                client.Dispose();
                return false;
            }
        }, "aeg to listen", TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(20));
        return connected!;
    }
}
