using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.State;
using BenchmarkDotNet.Attributes;
using Serilog;

namespace Aeg.Benchmarks;

/// <summary>
/// What analyst metrics add to the poller's drain: one committed batch of rows copied and
/// applied to the SQLite history in one transaction. <see cref="RecordBatch"/>: the next edit of
/// every event in the batch (a state read, an upsert and a transition per row, durations when
/// they end). <see cref="RecordBacklogBatch"/>: new events shaped like the drain benchmark's
/// backlog (benchmarks/annotation-drain/load.sql: 5 stages, 10 analysts, versions 1–3 with a
/// two-line audit trail, so 1.47 transitions, 1.63 durations and 0.87 notes per row). Both
/// report the time per row (OperationsPerInvoke), so rows/s = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
public class AnalyticsRecorderBenchmarks
{
    private static readonly string[] Stages = ["Initial", "Follow-Up", "Final", "Follow-Up"];
    private readonly List<AnnotationRow> _rows = [];
    private AnalyticsRecorder _recorder = null!;
    private string _dir = "";
    private long _version;

    /// <summary>Rows per batch (poller.batchSize).</summary>
    [Params(500, 5000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "aeg-bench-analytics-" + Guid.NewGuid().ToString("N")[..8]);
        _recorder = AnalyticsRecorder.Open(new AnalyticsOptions(), _dir, new LoggerConfiguration().CreateLogger());
        _recorder.Start(new AnnotationCursor(0, 0));
        var mrt = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds();
        for (var i = 0; i < BatchSize; i++)
        {
            _rows.Add(new AnnotationRow { EventId = i + 1, ManagerReceiptTimeMs = mrt, ModifiedBy = "analyst" + (i % 12), AuditTrail = "1,1539102087491,root,Queued,,,,\n" });
        }
    }

    private static readonly string[] BacklogStages = ["Queued", "Initial", "Follow-Up", "Final", "Closed"];
    private readonly List<AnnotationRow> _backlog = [];
    private long _nextEventId = 10_000_000;

    [Benchmark(OperationsPerInvoke = 5000)]
    public void RecordBacklogBatch()
    {
        // OperationsPerInvoke needs a constant: the backlog batch is always 5000 rows (the default poller.batchSize).
        const int rows = 5000;
        if (_backlog.Count == 0)
        {
            for (var i = 0; i < rows; i++)
            {
                _backlog.Add(new AnnotationRow());
            }
        }
        var baseMs = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds();
        for (var i = 0; i < rows; i++)
        {
            var n = _nextEventId++;
            var row = _backlog[i];
            row.EventId = n;
            row.Version = 1 + (n % 3);
            row.ModificationTimeMs = baseMs + n;
            row.ModifiedBy = "analyst" + (n % 10);
            row.StageName = BacklogStages[n % 5];
            row.Flags = n % 8;
            row.ManagerReceiptTimeMs = baseMs + n - 4000;
            row.AuditTrail = $"2,{baseMs + n},analyst{n % 10},Initial,,,,\n1,{baseMs + n - 60000},root,Queued,,,,\n";
        }
        var from = _recorder.RecordedUpTo;
        _recorder.Committed(new CommittedBatch(_backlog, rows, from, new AnnotationCursor(from.ModificationTimeMs + 1, 0), Full: true));
        _recorder.Complete();
    }

    [Benchmark]
    public void RecordBatch()
    {
        _version++;
        foreach (var row in _rows)
        {
            row.Version = _version;
            row.ModificationTimeMs = row.ManagerReceiptTimeMs!.Value + (_version * 60_000);
            row.StageName = Stages[(int)(_version % Stages.Length)];
            row.Flags = _version % 2;
        }
        // A short batch right after what is recorded: the path of a poller that keeps up.
        var from = _recorder.RecordedUpTo;
        _recorder.Committed(new CommittedBatch(_rows, _rows.Count, from, new AnnotationCursor(from.ModificationTimeMs + 1, 0), Full: false));
        _recorder.Complete();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_recorder.Histograms.Counters.RecordFailures > 0)
        {
            throw new InvalidOperationException("the benchmark's batches failed to record");
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
