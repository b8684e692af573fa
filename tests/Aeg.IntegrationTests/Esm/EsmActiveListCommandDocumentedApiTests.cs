using System.CommandLine;
using Aeg.Cli;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// <c>aeg esm active-list get|add|delete|clear</c> against <see cref="EsmServiceLayerDocumentedApiServer"/> (ActiveListService
/// written from the ESM Service Layer documentation and its public clients; no ESM can run here): results and exit codes.
/// </summary>
public sealed class EsmActiveListCommandDocumentedApiTests : IAsyncLifetime, IDisposable
{
    private const string List = "HBlockedIPsUBABC7Y3dBjvLxA==";
    private const string ListGroup = "/All Active Lists/Containment";
    private readonly TempDirectory _dir = new();
    private readonly string _passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _esm.AddActiveList(List, ["IP", "Reason"], ["IP"], new Dictionary<string, EsmServiceLayerDocumentedApiServer.ActiveListFieldType> { ["IP"] = EsmServiceLayerDocumentedApiServer.ActiveListFieldType.IpAddress });
        _esm.AddToGroup(ListGroup, "Blocked IPs", List);
        Environment.SetEnvironmentVariable(_passwordVariable, _esm.Password);
        File.WriteAllText(_dir.File("aeg.yaml"), $$"""
            state:
              directory: {{_dir.File("state")}}
            esm:
              url: {{_esm.BaseUrl}}
              user: {{_esm.User}}
              passwordEnv: {{_passwordVariable}}
              caFile: {{_esm.CaFile}}
              retry: { maxAttempts: 2, baseDelay: 20ms }
            """);
    }

    public async Task DisposeAsync() => await _esm.DisposeAsync();

    private async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand { EsmCommand.Create() };
        var exit = await root.Parse(["esm", "active-list", .. args.Take(1), "--config", _dir.File("aeg.yaml"), .. args.Skip(1)])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() });
        return (exit, output.ToString());
    }

    [Fact]
    public async Task Add_twice_get_delete_and_clear_keep_ESMs_one_entry_per_key_and_exit_0()
    {
        Assert.Equal(0, (await RunAsync("add", "--list", List, "--entry", "IP=192.0.2.7", "--entry", "Reason=scan")).Exit);
        Assert.Equal(0, (await RunAsync("add", "--list", List, "--entry", "IP=192.0.2.7", "--entry", "Reason=brute force")).Exit);
        Assert.Equal(0, (await RunAsync("add", "--list", List, "--entry", "IP=198.51.100.9", "--entry", "Reason=c2")).Exit);

        var (exit, output) = await RunAsync("get", "--list", List);
        Assert.Equal(0, exit);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal("IP\tReason", lines[0]);
        Assert.Equal(["192.0.2.7\tbrute force", "198.51.100.9\tc2"], lines.Skip(1).Order(StringComparer.Ordinal));

        Assert.Equal(0, (await RunAsync("delete", "--list", List, "--entry", "IP=192.0.2.7")).Exit);
        Assert.Equal(["198.51.100.9"], _esm.ActiveListEntries(List).Select(e => e["IP"]));
        Assert.Equal(0, (await RunAsync("clear", "--list", List)).Exit);
        Assert.Empty(_esm.ActiveListEntries(List));
    }

    [Fact]
    public async Task A_list_named_by_its_URI_is_resolved_through_GroupService_once_and_changed()
    {
        Assert.Equal(0, (await RunAsync("add", "--list", ListGroup + "/Blocked IPs", "--entry", "IP=192.0.2.7", "--entry", "Reason=scan")).Exit);
        var (exit, output) = await RunAsync("get", "--list", ListGroup + "/Blocked IPs/");

        Assert.Equal(0, exit);
        Assert.Equal(["IP\tReason", "192.0.2.7\tscan"], output.TrimEnd('\n').Split('\n'));
        Assert.Equal(["192.0.2.7"], _esm.ActiveListEntries(List).Select(e => e["IP"]));
        // Each command is its own process: one getGroupByURI and one child lookup per run.
        Assert.Equal(2, _esm.Calls["GroupService/getGroupByURI"]);
        Assert.Equal(2, _esm.Calls["GroupService/getChildIDByChildNameOrAlias"]);
    }

    [Theory]
    [InlineData("/All Active Lists/Containment/No such list")]
    [InlineData("/All Active Lists/No such group/Blocked IPs")]
    public async Task A_URI_that_names_no_list_exits_1_and_changes_nothing(string uri)
    {
        Assert.Equal(1, (await RunAsync("add", "--list", uri, "--entry", "IP=192.0.2.7")).Exit);

        Assert.Empty(_esm.ActiveListEntries(List));
        Assert.False(_esm.Calls.ContainsKey("ActiveListService/addEntries"));
    }

    [Fact]
    public async Task A_value_that_does_not_fit_the_fields_type_is_refused_by_ESM_exit_1_and_the_list_is_unchanged()
    {
        Assert.Equal(0, (await RunAsync("add", "--list", List, "--entry", "IP=192.0.2.7", "--entry", "Reason=scan")).Exit);

        Assert.Equal(1, (await RunAsync("add", "--list", List, "--entry", "IP=dc01.example.org", "--entry", "Reason=scan")).Exit);

        Assert.Equal(["192.0.2.7"], _esm.ActiveListEntries(List).Select(e => e["IP"]));
        // A refusal is not an outage: one call, no retry.
        Assert.Equal(1, _esm.Requests.Count(r => r.Path.Contains("ActiveListService/addEntries", StringComparison.Ordinal) && r.Body.Contains("dc01", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Dry_run_prints_the_call_and_sends_nothing()
    {
        var (exit, output) = await RunAsync("add", "--list", List, "--entry", "IP=192.0.2.7", "--dry-run");

        Assert.Equal(0, exit);
        Assert.Contains($"ActiveListService.addEntries on list {List}: IP=192.0.2.7", output, StringComparison.Ordinal);
        Assert.Empty(_esm.Requests);
    }

    [Fact]
    public async Task An_unknown_list_exits_1_and_an_unreachable_ESM_exits_75()
    {
        Assert.Equal(1, (await RunAsync("get", "--list", "HNoSuchList==")).Exit);

        // Login succeeds, then the call meets 503 on every attempt (maxAttempts 2, once more after a re-login).
        _esm.Inject(new EsmFault.Slow(TimeSpan.Zero), new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable());
        Assert.Equal(75, (await RunAsync("add", "--list", List, "--entry", "IP=192.0.2.8")).Exit);
        Assert.Empty(_esm.ActiveListEntries(List));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        _dir.Dispose();
    }
}
