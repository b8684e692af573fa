using System.Text;
using Aeg.Cef;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Tickets;
using BenchmarkDotNet.Attributes;

namespace Aeg.Benchmarks;

/// <summary>
/// Cost per message of the receive-loop path: CefReader over a ~650-byte CEF line plus rule
/// matching with the example rules (content/rules) and extra rules using every operator.
/// </summary>
/// <remarks>Allocated must read 0 B: nothing is allocated per message unless a rule matches.</remarks>
[MemoryDiagnoser]
public class RuleMatcherBenchmarks
{
    private const string ExtraRules = """
        rules:
          - name: regex-and-numbers
            when:
              - { field: deviceVendor, equals: arcsight, ignoreCase: true }
              - { field: msg, regex: "brute|password spray", ignoreCase: true }
              - { field: cnt, gt: 100 }
            dedupe: "{{deviceEventClassId}}:{{src}}"
            actions: [{ target: rt, create: { Queue: SOC, Subject: "{{name}}" } }]
          - name: prefix-and-in
            when:
              - { field: src, prefix: "10.99." }
              - { field: act, in: [blocked, denied, dropped] }
            dedupe: "{{src}}"
            actions: [{ target: rt, create: { Queue: SOC, Subject: "{{name}}" } }]
        """;

    private RuleMatcher _matcher = null!;
    private CefRuleHandler _handler = null!;
    private readonly SenderCounters _sender = new("127.0.0.1");
    private readonly int[] _matched = new int[16];
    private byte[] _frame = [];

    /// <summary>annotation-followup: an Aeg annotation event that no rule wants; esm-base: an ESM base event, no match.</summary>
    [Params("annotation-followup", "esm-base")]
    public string Event { get; set; } = "annotation-followup";

    [GlobalSetup]
    public void Setup()
    {
        var dir = Path.Combine(Path.GetTempPath(), "aeg-bench-rules-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "content", "rules"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(dir, "zz-extra.yaml"), ExtraRules);
        _matcher = new RuleMatcher(RuleLoader.Load(dir));
        Directory.Delete(dir, recursive: true);
        _handler = new CefRuleHandler(_matcher, new NullQueue(), "(none)", Serilog.Core.Logger.None);
        _frame = Encoding.UTF8.GetBytes(Event == "annotation-followup"
            ? "<165>Nov 22 02:10:37 aeg01.soc.example aeg: CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|shost=aeg01.soc.example duser=analyst1 "
              + "cs1=1,1539102087491,analyst1,Follow-Up,,,,\\n1,1539102000000,root,Queued,,,, cs1Label=audit_trail cs2=checked the host, "
              + "re-imaging cs2Label=current_comment cs3=Follow-Up cs3Label=stage cs4=Is Reviewed cs4Label=flag_labels "
              + "deviceCustomDate1=1539102087491 deviceCustomDate1Label=modification_time cn1=3 cn1Label=version cn2=123456789 cn2Label=event_id"
            : "<134>Nov 22 02:10:37 esm01 CEF:0|ArcSight|ArcSight|7.6.0.8009.0|rule:101|Failed login|5|eventId=123456789 type=0 "
              + "rt=1700000000000 src=10.0.0.5 spt=51515 shost=ws5.example dst=10.0.0.9 dpt=445 dhost=dc1.example duser=bob suser=alice "
              + "act=allowed cnt=3 msg=Login failed for user bob from workstation ws5 \\= interactive app=SMB proto=TCP "
              + "cs1=Windows Security cs1Label=Log cs2=4625 cs2Label=EventCode cat=/Authentication/Verify deviceExternalId=dc1 "
              + "ahost=conn01.example agt=10.0.0.20 av=8.4.0 atz=UTC aid=3abc123==");
    }

    /// <summary>Baseline: CefReader over the header and every extension pair, no rules.</summary>
    [Benchmark(Baseline = true)]
    public int ParseOnly()
    {
        var reader = new CefReader(_frame);
        var pairs = 0;
        while (reader.ReadNextExtension())
        {
            pairs++;
        }
        return pairs;
    }

    /// <summary>Parse (CefReader) and match every rule.</summary>
    [Benchmark]
    public int ParseAndMatch()
    {
        var reader = new CefReader(_frame);
        return _matcher.Match(_frame, ref reader, _matched);
    }

    /// <summary>What the listener calls per frame: parse, count, match (no match, so nothing queued).</summary>
    [Benchmark]
    public long Handle()
    {
        _handler.Handle(_frame, _sender);
        return _sender.Parsed;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aeg.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no Aeg.sln above " + AppContext.BaseDirectory);
    }

    private sealed class NullQueue : ITicketQueue
    {
        public bool TryEnqueue(TicketWork work) => true;
    }
}
