using System.Buffers;
using System.Text;
using Aeg.Cef;
using BenchmarkDotNet.Attributes;

namespace Aeg.Benchmarks;

/// <summary>
/// <see cref="CefWriter"/> writing the Annotation Event of docs/annotations.md (every mapped field, a full
/// 2 KB audit trail, a comment that needs escaping) into one reused buffer: with keys given each time
/// and strings, and as the annotation drain writes it (keys and labels prepared once, text as the
/// database's UTF-8 bytes).
/// </summary>
[MemoryDiagnoser]
public class CefWriterBenchmarks
{
    private static readonly DateTimeOffset ModificationTime = DateTimeOffset.FromUnixTimeMilliseconds(1_763_777_647_123);
    private static readonly DateTimeOffset EventMrt = DateTimeOffset.FromUnixTimeMilliseconds(1_763_770_000_456);

    private readonly ArrayBufferWriter<byte> _buffer = new(8 * 1024);
    private readonly string _auditTrail = Samples.AuditTrail;
    private readonly byte[] _auditTrailUtf8 = Encoding.UTF8.GetBytes(Samples.AuditTrail);
    private readonly byte[] _commentUtf8 = Encoding.UTF8.GetBytes(Samples.Comment);
    private readonly byte[] _stageUtf8 = "/All Stages/Follow-Up"u8.ToArray();
    private readonly byte[] _userUtf8 = "soc_l2_mkowalski"u8.ToArray();
    private readonly PreparedKeys _keys = new();
    private CefWriter _writer = null!;

    [GlobalSetup]
    public void Setup() => _writer = new CefWriter(_buffer);

    [Benchmark]
    public int AnnotationEventRfc3164()
    {
        Begin();
        _writer.WriteSyslogRfc3164(110, ModificationTime, "aeg01.corp.example.com", "aeg");
        return WriteAnnotationEvent();
    }

    [Benchmark]
    public int AnnotationEventRfc5424()
    {
        Begin();
        _writer.WriteSyslogRfc5424(110, ModificationTime, "aeg01.corp.example.com", "aeg", "4242", "annotation");
        return WriteAnnotationEvent();
    }

    [Benchmark]
    public int AnnotationEventPreparedUtf8()
    {
        Begin();
        _writer.WriteSyslogRfc3164(110, ModificationTime, "aeg01.corp.example.com", "aeg");
        _writer.WriteHeader(_keys.Header, "Low");
        _writer.WriteExtension(_keys.Shost);
        _writer.WriteExtension(_keys.Duser, _userUtf8);
        _writer.WriteExtension(_keys.Cs1, _auditTrailUtf8);
        _writer.WriteExtension(_keys.Cs1Label);
        _writer.WriteExtension(_keys.Cs2, _commentUtf8);
        _writer.WriteExtension(_keys.Cs2Label);
        _writer.WriteExtension(_keys.Cs3, _stageUtf8);
        _writer.WriteExtension(_keys.Cs3Label);
        _writer.WriteExtension(_keys.Cs4, "Is Reviewed,In Case");
        _writer.WriteExtension(_keys.Cs4Label);
        _writer.WriteExtension(_keys.DeviceCustomDate1, ModificationTime.ToUnixTimeMilliseconds());
        _writer.WriteExtension(_keys.DeviceCustomDate1Label);
        _writer.WriteExtension(_keys.DeviceCustomDate2, EventMrt.ToUnixTimeMilliseconds());
        _writer.WriteExtension(_keys.DeviceCustomDate2Label);
        _writer.WriteExtension(_keys.Cn1, 7);
        _writer.WriteExtension(_keys.Cn1Label);
        _writer.WriteExtension(_keys.Cn2, 3_891_274_412);
        _writer.WriteExtension(_keys.Cn2Label);
        _writer.WriteExtension(_keys.Cn3, 5);
        _writer.WriteExtension(_keys.Cn3Label);
        return _buffer.WrittenCount;
    }

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
    }

    private int WriteAnnotationEvent()
    {
        _writer.WriteHeader("HP", "AEG", "1.0.0", "annotation:Follow-Up", "Annotation Event", "Low");
        _writer.WriteExtension("shost", "aeg01.corp.example.com");
        _writer.WriteExtension("duser", "soc_l2_mkowalski");
        _writer.WriteExtension("cs1", _auditTrail);
        _writer.WriteExtension("cs1Label", "audit_trail");
        _writer.WriteExtension("cs2", Samples.Comment);
        _writer.WriteExtension("cs2Label", "current_comment");
        _writer.WriteExtension("cs3", "/All Stages/Follow-Up");
        _writer.WriteExtension("cs3Label", "stage");
        _writer.WriteExtension("cs4", "Is Reviewed,In Case");
        _writer.WriteExtension("cs4Label", "flag_labels");
        _writer.WriteExtension("deviceCustomDate1", ModificationTime);
        _writer.WriteExtension("deviceCustomDate1Label", "modification_time");
        _writer.WriteExtension("deviceCustomDate2", EventMrt);
        _writer.WriteExtension("deviceCustomDate2Label", "event_mrt");
        _writer.WriteExtension("cn1", 7);
        _writer.WriteExtension("cn1Label", "version");
        _writer.WriteExtension("cn2", 3_891_274_412);
        _writer.WriteExtension("cn2Label", "event_id");
        _writer.WriteExtension("cn3", 5);
        _writer.WriteExtension("cn3Label", "flags");
        return _buffer.WrittenCount;
    }

    // What AnnotationMapper prepares once per mapping: keys, the constant header and the label pairs.
    private sealed class PreparedKeys
    {
        public CefPreparedHeader Header { get; } = CefPreparedHeader.Create("HP", "AEG", "1.0.0", "annotation:Follow-Up", "Annotation Event");
        public CefPreparedPair Shost { get; } = CefPreparedPair.Create("shost", "aeg01.corp.example.com");
        public CefPreparedKey Duser { get; } = CefPreparedKey.Create("duser");
        public CefPreparedKey Cs1 { get; } = CefPreparedKey.Create("cs1");
        public CefPreparedPair Cs1Label { get; } = CefPreparedPair.Create("cs1Label", "audit_trail");
        public CefPreparedKey Cs2 { get; } = CefPreparedKey.Create("cs2");
        public CefPreparedPair Cs2Label { get; } = CefPreparedPair.Create("cs2Label", "current_comment");
        public CefPreparedKey Cs3 { get; } = CefPreparedKey.Create("cs3");
        public CefPreparedPair Cs3Label { get; } = CefPreparedPair.Create("cs3Label", "stage");
        public CefPreparedKey Cs4 { get; } = CefPreparedKey.Create("cs4");
        public CefPreparedPair Cs4Label { get; } = CefPreparedPair.Create("cs4Label", "flag_labels");
        public CefPreparedKey DeviceCustomDate1 { get; } = CefPreparedKey.Create("deviceCustomDate1");
        public CefPreparedPair DeviceCustomDate1Label { get; } = CefPreparedPair.Create("deviceCustomDate1Label", "modification_time");
        public CefPreparedKey DeviceCustomDate2 { get; } = CefPreparedKey.Create("deviceCustomDate2");
        public CefPreparedPair DeviceCustomDate2Label { get; } = CefPreparedPair.Create("deviceCustomDate2Label", "event_mrt");
        public CefPreparedKey Cn1 { get; } = CefPreparedKey.Create("cn1");
        public CefPreparedPair Cn1Label { get; } = CefPreparedPair.Create("cn1Label", "version");
        public CefPreparedKey Cn2 { get; } = CefPreparedKey.Create("cn2");
        public CefPreparedPair Cn2Label { get; } = CefPreparedPair.Create("cn2Label", "event_id");
        public CefPreparedKey Cn3 { get; } = CefPreparedKey.Create("cn3");
        public CefPreparedPair Cn3Label { get; } = CefPreparedPair.Create("cn3Label", "flags");
    }
}
