using Aeg.Tickets;
using BenchmarkDotNet.Attributes;

namespace Aeg.Benchmarks;

/// <summary>
/// What one <see cref="TicketOutbox.Claim"/> costs as the backlog grows (issue 19: a hanging ticket
/// system with many pending jobs). <c>Pending</c> jobs are spread over 100 dedupe keys in a SQLite
/// outbox. <c>Claim_all_keys_busy</c>: every key's head job is held by another live worker (the
/// hung requests), so the claim finds nothing — the case that walked the whole backlog.
/// <c>Claim_and_release</c>: four free heads are claimed and given back, as a dispatcher poll does.
/// Only public API is used, so the same file measures the code before and after a change.
/// </summary>
[MemoryDiagnoser]
public class OutboxClaimBenchmarks
{
    private const int Keys = 100;
    private string _dir = "";
    private TicketOutbox _busy = null!;
    private TicketOutbox _free = null!;

    /// <summary>Pending jobs in the outbox, over 100 keys.</summary>
    [Params(10, 1_000, 50_000)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "aeg-bench-claim-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        var lease = TimeSpan.FromHours(1);
        var busyPath = Path.Combine(_dir, "busy.db");
        Fill(new TicketOutbox(busyPath, lease, holder: "bench-hung/1/1"));
        // The hung worker claims every key's head and never finishes.
        var hung = new TicketOutbox(busyPath, lease, holder: "bench-hung/1/1");
        while (hung.Claim(Keys).Count > 0)
        {
        }
        _busy = new TicketOutbox(busyPath, lease, holder: "bench-worker/2/2");
        var freePath = Path.Combine(_dir, "free.db");
        Fill(new TicketOutbox(freePath, lease, holder: "bench-worker/2/2"));
        _free = new TicketOutbox(freePath, lease, holder: "bench-worker/2/2");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public int Claim_all_keys_busy() => _busy.Claim(4).Count;

    [Benchmark]
    public int Claim_and_release()
    {
        var jobs = _free.Claim(4);
        foreach (var job in jobs)
        {
            _free.Release(job.Id, TimeSpan.Zero);
        }
        return jobs.Count;
    }

    private void Fill(TicketOutbox outbox)
    {
        var at = DateTimeOffset.UtcNow;
        var create = new Dictionary<string, string> { ["summary"] = "bench" };
        var works = Enumerable.Range(0, Pending)
            .Select(i => new TicketWork("bench", "webhook", $"key-{i % Keys}", create, create, "CEF:0|bench|", at))
            .ToList();
        outbox.Add(works);
    }
}
