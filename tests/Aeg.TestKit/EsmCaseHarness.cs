using System.Text.Json;
using Aeg.Daemon;

namespace Aeg.TestKit;

/// <summary>
/// A webhook ticket receiver for the ESM case flow: counts creates per dedupe key (the <c>case</c> field), honours
/// <c>Idempotency-Key</c> like docs/tickets.md asks of a receiver, keeps the last fields per case.
/// </summary>
public sealed class CaseTicketReceiver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _byIdempotencyKey = [];
    public Dictionary<string, int> CreatesPerCase { get; } = [];
    public Dictionary<string, int> UpdatesPerCase { get; } = [];
    public Dictionary<string, JsonElement> LastFields { get; } = [];
    public Dictionary<string, string> IdempotencyKeys { get; } = [];
    public List<string> Bodies { get; } = [];

    public Reply Handle(RecordedRequest r, int n)
    {
        lock (_lock)
        {
            Bodies.Add(r.Body);
            using var body = JsonDocument.Parse(r.Body);
            var fields = body.RootElement.GetProperty("fields").Clone();
            var caseId = fields.GetProperty("case").GetString()!;
            LastFields[caseId] = fields;
            if (body.RootElement.GetProperty("action").GetString() != "create")
            {
                UpdatesPerCase[caseId] = UpdatesPerCase.GetValueOrDefault(caseId) + 1;
                return new Reply(200, "{}");
            }
            var header = r.Header("Idempotency-Key") ?? "";
            IdempotencyKeys[caseId] = header;
            if (_byIdempotencyKey.TryGetValue(header, out var known))
            {
                return new Reply(200, $$"""{"id":"{{known}}"}""");
            }
            CreatesPerCase[caseId] = CreatesPerCase.GetValueOrDefault(caseId) + 1;
            var id = $"T{CreatesPerCase.Values.Sum()}";
            _byIdempotencyKey[header] = id;
            return new Reply(201, $$"""{"id":"{{id}}"}""");
        }
    }

    public T Read<T>(Func<CaseTicketReceiver, T> read)
    {
        lock (_lock)
        {
            return read(this);
        }
    }
}

/// <summary>Config files for the ESM case flow: an <c>esm:</c> section for <see cref="EsmServiceLayerDocumentedApiServer"/>, <c>esm.cases</c>, a case rule and a ticket system.</summary>
public static class EsmCaseConfig
{
    /// <summary>The case rule: product <c>ESM Case</c>; the ticket carries the case id, name, stage and event ids.</summary>
    public static string Rule(string target, string subjectPrefix = "Case") => $$$"""
        rules:
          - name: esm-case
            when: [{ field: deviceProduct, equals: ESM Case }]
            enrich: esm
            dedupe: "not-used-{{externalId}}"
            actions:
              - target: {{{target}}}
                create: { subject: "{{{subjectPrefix}}} {{esm.displayID}}: {{name}}", stage: "{{esm.stage}}", events: "{{esm.caseEventIds|none}}", case: "{{externalId}}", count: "{{esm.modificationCount}}" }
                update: { comment: "Case now {{esm.stage}}: {{name}}", events: "{{esm.caseEventIds|none}}", case: "{{externalId}}", count: "{{esm.modificationCount}}" }
        """;

    /// <summary>aeg.yaml for the flow; <paramref name="cases"/> is the body of <c>esm.cases</c> (YAML flow mapping entries), <paramref name="systems"/> the <c>tickets.systems</c> entries.</summary>
    public static string Yaml(string directory, EsmServiceLayerDocumentedApiServer esm, string passwordVariable, string cases, string systems, int maxAttempts = 4) => $$"""
        state:
          directory: {{directory}}/state
        rules:
          path: {{directory}}/rules.yaml
        esm:
          url: {{esm.BaseUrl}}
          user: {{esm.User}}
          passwordEnv: {{passwordVariable}}
          caFile: {{esm.CaFile}}
          retry: { maxAttempts: {{maxAttempts}}, baseDelay: 5ms, maxDelay: 200ms }
          cases: { enabled: true, rules: [esm-case], {{cases}} }
        tickets:
          workers: 4
          drainTimeout: 2s
          systems:
        {{systems}}
        """;

    /// <summary>Starts the pipeline and waits for the case poller's first poll (it polls at once, then every <c>pollInterval</c>).</summary>
    public static async Task<CefTicketPipeline> StartAsync(string configFile, Serilog.ILogger log, Func<string>? detail = null)
    {
        var pipeline = CefTicketPipeline.Create(AegConfig.Load(configFile), configFile, log);
        await pipeline.StartAsync();
        await WaitUntil.HoldsAsync(() => pipeline.Cases!.Counters.Polls + pipeline.Cases.Counters.FailedPolls > 0, "the first case poll", TimeSpan.FromSeconds(60), detail);
        return pipeline;
    }
}
