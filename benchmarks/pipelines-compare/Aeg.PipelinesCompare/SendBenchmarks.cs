using System.Net;
using System.Net.Sockets;
using Aeg.Syslog;
using BenchmarkDotNet.Attributes;
using Pipelines.Sockets.Unofficial;

namespace Aeg.PipelinesCompare;

/// <summary>
/// The syslog TCP sender's path over a real loopback connection: the sample lines LF-framed and
/// written, then flushed, and the operation ends when a plain blocking sink thread has read every
/// byte of it (so a writer that only queues cannot look faster than the wire). Only the writer side
/// changes between cases.
/// </summary>
[MemoryDiagnoser]
public class SendBenchmarks
{
    /// <summary>Lines per operation; per-line figures come from OperationsPerInvoke.</summary>
    public const int LinesPerOperation = 30_000;

    // TcpSyslogSender hands its 64 KiB buffer to the socket when full; the pipe writer flushes as often.
    private const int FlushEvery = 64 * 1024;

    private readonly SemaphoreSlim _operationReceived = new(0);
    private byte[][] _lines = [];
    private long _bytesPerOperation;
    private Socket? _listener;
    private Thread? _sinkThread;
    private ISyslogSender? _sender;
    private SocketConnection? _connection;

    /// <summary>
    /// sender: today's <see cref="TcpSyslogSender"/> (64 KiB buffer written to a NetworkStream); the
    /// others: frames written straight into <c>SocketConnection.Output</c>, set up as <see cref="Connections"/> says.
    /// </summary>
    [ParamsSource(nameof(Writers))]
    public string Writer { get; set; } = "sender";

    /// <summary>The values of <see cref="Writer"/>.</summary>
    public static IEnumerable<string> Writers => ["sender", .. Connections.Names];

    [GlobalSetup]
    public void Setup()
    {
        _lines = SampleLines.Lines();
        _bytesPerOperation = 0;
        for (var i = 0; i < LinesPerOperation; i++)
        {
            _bytesPerOperation += _lines[i % _lines.Length].Length + 1;
        }

        _listener = Loopback.Listen();
        var port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _sinkThread = new Thread(Sink) { IsBackground = true, Name = "loopback sink" };
        _sinkThread.Start();
        if (Writer == "sender")
        {
            _sender = SyslogSenderFactory.Create(new SyslogOutputOptions
            {
                Host = "127.0.0.1",
                Port = port,
                Protocol = SyslogProtocol.Tcp,
                Framing = SyslogFraming.Lf,
            });
            return;
        }

        // The socket set up as SyslogConnection.OpenAsync does, minus TCP_USER_TIMEOUT (irrelevant on loopback).
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.Connect(IPAddress.Loopback, port);
        _connection = Connections.Create(socket, Writer);
    }

    [Benchmark(OperationsPerInvoke = LinesPerOperation)]
    public async Task SendFlushAndDeliver()
    {
        if (_sender is { } sender)
        {
            for (var i = 0; i < LinesPerOperation; i++)
            {
                await sender.SendAsync(_lines[i % _lines.Length], CancellationToken.None);
            }

            await sender.FlushAsync(CancellationToken.None);
        }
        else
        {
            var output = _connection!.Output;
            var unflushed = 0;
            for (var i = 0; i < LinesPerOperation; i++)
            {
                var line = _lines[i % _lines.Length];
                var span = output.GetSpan(line.Length + 1);
                line.CopyTo(span);
                span[line.Length] = (byte)'\n';
                output.Advance(line.Length + 1);
                unflushed += line.Length + 1;
                if (unflushed >= FlushEvery)
                {
                    await output.FlushAsync();
                    unflushed = 0;
                }
            }

            await output.FlushAsync();
        }

        await _operationReceived.WaitAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_sender is not null)
        {
            await _sender.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.Output.CompleteAsync();
            _connection.Dispose();
        }

        _listener?.Dispose();
        _sinkThread?.Join();
    }

    private void Sink()
    {
        Socket client;
        try
        {
            client = _listener!.Accept();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return;
        }

        using (client)
        {
            var buffer = new byte[256 * 1024];
            long received = 0;
            var nextOperationEnd = _bytesPerOperation;
            try
            {
                int n;
                while ((n = client.Receive(buffer)) > 0)
                {
                    received += n;
                    while (received >= nextOperationEnd)
                    {
                        _operationReceived.Release();
                        nextOperationEnd += _bytesPerOperation;
                    }
                }
            }
            catch (SocketException)
            {
                // The writer went away; nothing to report in a sink.
            }
        }
    }
}
