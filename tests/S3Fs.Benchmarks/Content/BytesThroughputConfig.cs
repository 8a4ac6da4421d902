using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace S3Fs.Benchmarks.Content;

/// <summary>Adds an MB/s column: the Bytes parameter divided by the mean time (for benchmarks that read a whole file per operation).</summary>
public sealed class BytesThroughputConfig : ManualConfig
{
    public BytesThroughputConfig()
    {
        AddColumn(new BytesColumn());
    }

    private sealed class BytesColumn : IColumn
    {
        public string Id => "S3Fs.BytesThroughput";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "File megabytes (10^6 bytes) per second; only for operations that read the whole file";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats || benchmarkCase.Parameters["Bytes"] is not int bytes
                || !benchmarkCase.Descriptor.WorkloadMethod.Name.Contains("Sequential", StringComparison.Ordinal))
            {
                return "-";
            }

            return (bytes * 1000.0 / stats.Mean).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
