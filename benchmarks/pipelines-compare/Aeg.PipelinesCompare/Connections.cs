using System.IO.Pipelines;
using System.Net.Sockets;
using Pipelines.Sockets.Unofficial;

namespace Aeg.PipelinesCompare;

/// <summary>The <see cref="SocketConnection"/> set-ups both benchmarks compare against today's transport.</summary>
public static class Connections
{
    /// <summary>Every set-up's name, for the benchmarks' parameters.</summary>
    public static readonly string[] Names = ["sc-default", "sc-64k", "sc-64k-inline"];

    /// <summary>
    /// sc-default: the library's defaults (PipeOptions.Default: 4 KiB segments, writer paused at
    /// 64 KiB, continuations on the thread pool). sc-64k: 64 KiB segments, as today's
    /// 64 KiB buffers, and a 1 MiB pause threshold. sc-64k-inline: the same, but the socket
    /// loop's continuations run on the I/O thread and the pipe's reader runs inline on the thread that
    /// flushed, so no thread-pool hop sits between the socket and Aeg's code (as today).
    /// </summary>
    public static SocketConnection Create(Socket socket, string name)
    {
        var pipe = name switch
        {
            "sc-default" => null,
            "sc-64k" => Options(PipeScheduler.ThreadPool),
            "sc-64k-inline" => Options(PipeScheduler.Inline),
            _ => throw new ArgumentException("unknown SocketConnection set-up " + name, nameof(name)),
        };
        var flags = name.EndsWith("-inline", StringComparison.Ordinal)
            ? SocketConnectionOptions.InlineReads | SocketConnectionOptions.InlineWrites
            : SocketConnectionOptions.None;
        return SocketConnection.Create(socket, pipe, flags);
    }

    private static PipeOptions Options(PipeScheduler readerScheduler) => new(
        readerScheduler: readerScheduler,
        pauseWriterThreshold: 1024 * 1024,
        resumeWriterThreshold: 512 * 1024,
        minimumSegmentSize: 64 * 1024,
        useSynchronizationContext: false);
}
