using System.IO.Pipelines;
using Aeg.Cef;
using Aeg.Listener;
using Aeg.ListenerCompare;
using Aeg.Rules;
using Aeg.Tickets;
using BenchmarkDotNet.Attributes;

namespace Aeg.Benchmarks;

/// <summary>
/// The listener's per-message path without the socket: bytes in a <see cref="Pipe"/>, frames cut by
/// <see cref="SyslogFrameReader"/>, handed by <see cref="FrameDispatcher"/> to the handler
/// (<see cref="CefRuleHandler"/> over content/rules, or a handler that only counts). Must be 0 B/op.
/// </summary>
[MemoryDiagnoser]
public class ListenerPathBenchmarks
{
    private byte[] _stream = [];
    private Pipe _pipe = new();
    private FrameDispatcher? _dispatcher;
    private SenderCounters _sender = new("127.0.0.1");

    /// <summary>lf or octet (RFC 6587 octet counting).</summary>
    [Params("lf", "octet")]
    public string Framing { get; set; } = "lf";

    /// <summary>rules: CefRuleHandler (full CEF parse + rule matching); count: the listener alone.</summary>
    [Params("rules", "count")]
    public string Handler { get; set; } = "rules";

    [GlobalSetup]
    public void Setup()
    {
        _stream = CefLoad.Framed(CefLoad.Messages(650), Framing == "octet");
        // Like the listener's StreamPipeReader: 64 KiB segments; no writer back-pressure in one thread.
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
        ICefMessageHandler handler = Handler == "rules"
            ? new CefRuleHandler(new RuleMatcher(RuleLoader.Load(RulesDirectory())), new DiscardingQueue(), "?", Serilog.Core.Logger.None)
            : new CountingHandler();
        _sender = new SenderCounters("127.0.0.1");
        _dispatcher = new FrameDispatcher(new SyslogFrameReader(), handler, _sender, new ListenerCounters(), null, "benchmark");
    }

    [GlobalCleanup]
    public void Cleanup() => _dispatcher?.Dispose();

    [Benchmark(OperationsPerInvoke = CefLoad.Distinct)]
    public async Task<long> ReadFramesAndHandle()
    {
        await _pipe.Writer.WriteAsync(_stream);
        var result = await _pipe.Reader.ReadAsync();
        var buffer = result.Buffer;
        _dispatcher!.Dispatch(ref buffer);
        _pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        return _sender.Received;
    }

    private static string RulesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var rules = Path.Combine(dir.FullName, "content", "rules");
            if (Directory.Exists(rules))
            {
                return rules;
            }
        }

        throw new DirectoryNotFoundException("content/rules not found above " + AppContext.BaseDirectory);
    }

    private sealed class CountingHandler : ICefMessageHandler
    {
        public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => sender.CountParsed();
    }

    private sealed class DiscardingQueue : ITicketQueue
    {
        public bool TryEnqueue(TicketWork work) => true;
    }
}
