using System.Text;
using Aeg.Syslog;

namespace Aeg.TestKit;

/// <summary>An in-memory <see cref="ISyslogSender"/> for poller unit tests: records what was flushed, can be told to fail.</summary>
internal sealed class RecordingSyslogSender : ISyslogSender
{
    private readonly List<string> _unflushed = [];

    /// <summary>Messages that were flushed, in order.</summary>
    public List<string> Flushed { get; } = [];
    /// <summary>Every message handed to SendAsync, including those of failed batches.</summary>
    public int SendCalls { get; private set; }
    /// <summary>When set, SendAsync fails once this many messages have been accepted in total.</summary>
    public int? FailAfter { get; set; }
    /// <summary>On a failure, count the unflushed messages as delivered (worst case for duplicates) instead of lost.</summary>
    public bool DeliverUnflushedOnFailure { get; set; }
    /// <summary>Runs before each accepted message (e.g. to kill a database connection mid-drain).</summary>
    public Action<int>? BeforeSend { get; set; }

    public string Destination => "memory://test";

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (FailAfter is { } n && SendCalls >= n)
        {
            if (DeliverUnflushedOnFailure)
            {
                Flushed.AddRange(_unflushed);
            }
            _unflushed.Clear();
            throw new SyslogSendException("test sender: destination down");
        }
        SendCalls++;
        BeforeSend?.Invoke(SendCalls);
        _unflushed.Add(Encoding.UTF8.GetString(message.Span));
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Flushed.AddRange(_unflushed);
        _unflushed.Clear();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
