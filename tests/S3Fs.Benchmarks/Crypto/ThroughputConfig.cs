using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace S3Fs.Benchmarks.Crypto;

/// <summary>Adds an MB/s column (the BlockSize parameter divided by the mean time) to the default columns.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new ThroughputColumn());
    }

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "S3Fs.Throughput";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Plaintext megabytes (10^6 bytes) per second on one core";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            var bytes = benchmarkCase.Parameters["BlockSize"];
            if (report?.ResultStatistics is not { } stats || bytes is not int size)
            {
                return "-";
            }

            // bytes / (mean ns · 1e-9 s/ns) / 1e6 = bytes · 1000 / mean ns
            return (size * 1000.0 / stats.Mean).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
