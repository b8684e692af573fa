using System.Buffers;
using Aeg.Cef;
using BenchmarkDotNet.Attributes;

namespace Aeg.Benchmarks;

/// <summary>
/// <see cref="CefWriter"/> writing the Annotation Event of docs/annotations.md (every mapped field, a full
/// 2 KB audit trail, a comment that needs escaping) into one reused buffer.
/// </summary>
[MemoryDiagnoser]
public class CefWriterBenchmarks
{
    private static readonly DateTimeOffset ModificationTime = DateTimeOffset.FromUnixTimeMilliseconds(1_763_777_647_123);
    private static readonly DateTimeOffset EventMrt = DateTimeOffset.FromUnixTimeMilliseconds(1_763_770_000_456);

    private readonly ArrayBufferWriter<byte> _buffer = new(8 * 1024);
    private readonly string _auditTrail = Samples.AuditTrail;
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
}
