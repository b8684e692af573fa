using System.Buffers;

namespace Aeg.Cef;

/// <summary>Where <see cref="CefWriter"/> and <see cref="SyslogPrefixWriter"/> write a message.</summary>
internal struct BufferOutput
{
    private readonly IBufferWriter<byte> _output;
    // ArrayBufferWriter is sealed: calling it directly instead of through the interface saves a
    // dispatch stub per write, a few dozen times per message.
    private readonly ArrayBufferWriter<byte>? _array;

    public BufferOutput(IBufferWriter<byte> output)
    {
        _output = output;
        _array = output as ArrayBufferWriter<byte>;
    }

    public readonly Span<byte> GetSpan(int sizeHint) => _array is { } a ? a.GetSpan(sizeHint) : _output.GetSpan(sizeHint);

    public readonly void Advance(int count)
    {
        if (_array is { } a)
        {
            a.Advance(count);
        }
        else
        {
            _output.Advance(count);
        }
    }

    public readonly void Write(ReadOnlySpan<byte> bytes)
    {
        var span = GetSpan(bytes.Length);
        bytes.CopyTo(span);
        Advance(bytes.Length);
    }
}
