using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Aeg.Benchmarks;

/// <summary>Adds the line length and MB/s (10^6 bytes per second) columns to the CEF reader benchmarks.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new LineBytesColumn(), new ThroughputColumn());
    }

    private static int LineBytes(BenchmarkCase benchmarkCase) =>
        Samples.Line((LineSize)benchmarkCase.Parameters["Size"], (Prefix)benchmarkCase.Parameters["Prefix"]).Length;

    private sealed class LineBytesColumn : IColumn
    {
        public string Id => "LineBytes";
        public string ColumnName => "Bytes";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Params;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Size;
        public string Legend => "Length of the line in bytes";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => LineBytes(benchmarkCase).ToString();
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "ThroughputMBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Line bytes / mean time, in 10^6 bytes per second";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return meanNanoseconds is > 0
                ? (LineBytes(benchmarkCase) / meanNanoseconds.Value * 1000).ToString("F0")
                : "-";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }
}
