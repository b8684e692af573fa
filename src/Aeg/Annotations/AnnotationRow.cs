using System.Text;
using System.Text.Unicode;

namespace Aeg.Annotations;

/// <summary>One row of the annotation table with names resolved; reused from row to row.</summary>
public sealed class AnnotationRow
{
    private readonly Utf8Text _currentComment = new();
    private readonly Utf8Text _auditTrail = new();

    public long EventId { get; set; }
    public long Version { get; set; }
    public long ModificationTimeMs { get; set; }
    public string? ModifiedBy { get; set; }
    public string? StageName { get; set; }
    public string? StageUri { get; set; }
    public string? StageUser { get; set; }
    public long? StageUpdateTimeMs { get; set; }
    public string? CurrentComment { get => _currentComment.Text; set => _currentComment.Text = value; }
    public string? AuditTrail { get => _auditTrail.Text; set => _auditTrail.Text = value; }
    public long? Flags { get; set; }
    public long? EndTimeMs { get; set; }
    public long? ManagerReceiptTimeMs { get; set; }
    /// <summary>Versions missed since the last one seen for this event (set by the gap detector).</summary>
    public long MissedVersions { get; set; }
    /// <summary>What was changed or could not be resolved on the way from the database to the event.</summary>
    public RowChanges Changes { get; set; }
    /// <summary>Why this row cannot be sent at all (a column that could not be read); null for a good row. Such a row is quarantined.</summary>
    public string? Fault { get; set; }

    /// <summary>The comment as the batch reader stored it (UTF-8 bytes) or as it was set (a string).</summary>
    internal Utf8Text CurrentCommentValue => _currentComment;
    /// <inheritdoc cref="CurrentCommentValue"/>
    internal Utf8Text AuditTrailValue => _auditTrail;

    // Resource ids read instead of names when the lookup is resolved by the source's cache.
    internal long? ModifiedById;
    internal long? StageId;
    internal long? StageUserId;

    /// <summary>A row of its own with the same values (text as strings), for keeping past the reader's next row.</summary>
    public AnnotationRow Copy() => new()
    {
        EventId = EventId,
        Version = Version,
        ModificationTimeMs = ModificationTimeMs,
        ModifiedBy = ModifiedBy,
        StageName = StageName,
        StageUri = StageUri,
        StageUser = StageUser,
        StageUpdateTimeMs = StageUpdateTimeMs,
        CurrentComment = CurrentComment,
        AuditTrail = AuditTrail,
        Flags = Flags,
        EndTimeMs = EndTimeMs,
        ManagerReceiptTimeMs = ManagerReceiptTimeMs,
        MissedVersions = MissedVersions,
        Changes = Changes,
        Fault = Fault,
    };
}

/// <summary>What Aeg changed in a row, or could not resolve, before sending it: counted per kind and marked in the event.</summary>
[Flags]
public enum RowChanges
{
    None = 0,
    /// <summary>A field was cut to its CEF length limit.</summary>
    Truncated = 1,
    /// <summary>A text column held bytes that are not valid UTF-8; they were replaced with U+FFFD.</summary>
    InvalidText = 2,
    /// <summary>The stage id was not found in the resource table: no stage name.</summary>
    UnresolvedStage = 4,
    /// <summary>A user id (modified_by, stage user) was not found in the resource table.</summary>
    UnresolvedUser = 8,
    /// <summary>modification_time is 0 or NULL.</summary>
    MissingTime = 16,
    /// <summary>A date lies outside the range CEF can carry (years 1970-9999): the field was left out.</summary>
    TimeOutOfRange = 32,
    /// <summary>modification_time lies beyond now + poller.maxClockSkew: sent, but the cursor does not follow it.</summary>
    FutureTime = 64,
}

/// <summary>
/// A text column held as the UTF-8 bytes the database sent, in a buffer reused from row to row, or
/// as a string; the string is made only when someone asks for it.
/// </summary>
internal sealed class Utf8Text
{
    private byte[] _bytes = [];
    // -1: no bytes held (the value is _text, possibly null).
    private int _length = -1;
    private string? _text;
    // Whether the bytes held are valid UTF-8: 0 not checked yet, 1 valid, -1 not (checked once per value).
    private sbyte _validity;

    /// <summary>The value; bytes that are not valid UTF-8 are replaced with U+FFFD.</summary>
    public string? Text
    {
        get => _text ??= _length < 0 ? null : Encoding.UTF8.GetString(_bytes, 0, _length);
        set
        {
            _text = value;
            _length = -1;
        }
    }

    /// <summary>The bytes when they are held and valid UTF-8 (so that writing them equals writing <see cref="Text"/>).</summary>
    public bool TryGetUtf8(out ReadOnlySpan<byte> utf8)
    {
        utf8 = _length < 0 ? default : _bytes.AsSpan(0, _length);
        return _length >= 0 && HoldsValidUtf8();
    }

    /// <summary>False when bytes are held that are not valid UTF-8 (<see cref="Text"/> then has U+FFFD in their place).</summary>
    public bool HoldsValidUtf8()
    {
        if (_length < 0)
        {
            return true;
        }
        if (_validity == 0)
        {
            _validity = Utf8.IsValid(_bytes.AsSpan(0, _length)) ? (sbyte)1 : (sbyte)-1;
        }
        return _validity > 0;
    }

    /// <summary>A buffer of <paramref name="length"/> bytes that becomes the value (the previous one is dropped).</summary>
    public byte[] Reserve(int length)
    {
        if (_bytes.Length < length)
        {
            _bytes = new byte[Math.Max(length, Math.Max(256, 2 * _bytes.Length))];
        }
        _length = length;
        _text = null;
        _validity = 0;
        return _bytes;
    }

    /// <summary>Keeps only the first <paramref name="length"/> bytes held (drops the zero padding of a BINARY(n) column).</summary>
    public void Shorten(int length)
    {
        if (length < _length)
        {
            _length = length;
            _text = null;
            _validity = 0;
        }
    }

    /// <summary>
    /// <paramref name="utf8"/> as a string, each invalid sequence replaced with U+FFFD as <see cref="Encoding.UTF8"/>
    /// does; <paramref name="invalid"/> says whether there was one.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> utf8, out bool invalid)
    {
        invalid = !Utf8.IsValid(utf8);
        return Encoding.UTF8.GetString(utf8);
    }
}
