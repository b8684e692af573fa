using System.IO.Pipelines;
using System.Net.Sockets;
using Aeg.Cef;
using Aeg.Listener;
using BenchmarkDotNet.Attributes;
using Pipelines.Sockets.Unofficial;

namespace Aeg.PipelinesCompare;

/// <summary>
/// The TCP listener's receive path over a real loopback connection: framed sample lines written by
/// a plain blocking sender thread, read through a <see cref="PipeReader"/> and cut into frames by
/// Aeg's <see cref="FrameDispatcher"/> / <see cref="SyslogFrameReader"/> (a handler that only
/// counts). Only the reader side changes between cases.
/// </summary>
[MemoryDiagnoser]
public class ReceiveBenchmarks
{
    /// <summary>Lines per operation; per-line figures come from OperationsPerInvoke.</summary>
    public const int LinesPerOperation = BlockLines * BlocksPerOperation;

    // The sender writes one pre-framed block (~0.5 MB) this many times per operation.
    private const int BlockLines = 300;
    private const int BlocksPerOperation = 100;

    private readonly SemaphoreSlim _go = new(0);
    private byte[] _block = [];
    private Socket? _client;
    private Socket? _server;
    private Thread? _senderThread;
    private volatile bool _stopping;
    private SocketConnection? _connection;
    private PipeReader? _reader;
    private FrameDispatcher? _dispatcher;
    private SenderCounters _counters = new("127.0.0.1");

    /// <summary>
    /// stream: today's listener, <c>PipeReader.Create(NetworkStream)</c> with its options (64 KiB buffer,
    /// 16 KiB minimum read); the others: <c>SocketConnection.Input</c> set up as <see cref="Connections"/> says.
    /// </summary>
    [ParamsSource(nameof(Readers))]
    public string Reader { get; set; } = "stream";

    /// <summary>The values of <see cref="Reader"/>.</summary>
    public static IEnumerable<string> Readers => ["stream", .. Connections.Names];

    /// <summary>lf, or octet (RFC 6587 octet counting).</summary>
    [Params("lf", "octet")]
    public string Framing { get; set; } = "lf";

    [GlobalSetup]
    public void Setup()
    {
        _block = SampleLines.Framed(SampleLines.Lines(), BlockLines, Framing == "octet");
        (_client, _server) = Loopback.Connect();
        _reader = Reader == "stream"
            ? PipeReader.Create(
                new NetworkStream(_server, ownsSocket: false),
                new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true))
            : (_connection = Connections.Create(_server, Reader)).Input;
        _counters = new SenderCounters("127.0.0.1");
        _dispatcher = new FrameDispatcher(new SyslogFrameReader(), new CountingHandler(), _counters, new ListenerCounters(), null, "benchmark");
        _senderThread = new Thread(SendBlocks) { IsBackground = true, Name = "loopback sender" };
        _senderThread.Start();
    }

    [Benchmark(OperationsPerInvoke = LinesPerOperation)]
    public async Task<long> ReceiveAndFrame()
    {
        var reader = _reader!;
        var target = _counters.Received + LinesPerOperation;
        _go.Release();
        while (_counters.Received < target)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            _dispatcher!.Dispatch(ref buffer);
            if (result.IsCompleted)
            {
                throw new InvalidOperationException("the sender closed the connection mid-operation");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        // The sender wrote whole blocks, so the operation ends on a frame boundary.
        return _counters.Received;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _go.Release();
        _senderThread?.Join();
        _client?.Shutdown(SocketShutdown.Send);
        _reader?.Complete();
        _connection?.Dispose();
        _dispatcher?.Dispose();
        _client?.Dispose();
        _server?.Dispose();
        if (_counters.Received % LinesPerOperation != 0)
        {
            throw new InvalidOperationException($"received {_counters.Received} frames, not a multiple of {LinesPerOperation}: framing lost lines");
        }
    }

    private void SendBlocks()
    {
        var client = _client!;
        while (true)
        {
            _go.Wait();
            if (_stopping)
            {
                return;
            }

            for (var i = 0; i < BlocksPerOperation; i++)
            {
                for (var sent = 0; sent < _block.Length;)
                {
                    sent += client.Send(_block.AsSpan(sent));
                }
            }
        }
    }

    private sealed class CountingHandler : ICefMessageHandler
    {
        public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => sender.CountParsed();
    }
}
