using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace S3Fs.Cli.Mounting;

/// <summary>
/// Small files through which a background mount talks to the commands that started it and that stop it:
/// <c>&lt;id&gt;.pid</c> (the serving process), <c>&lt;id&gt;.status</c> (how it ended: "ok" or "error: ...") and
/// <c>&lt;id&gt;.sock</c> (its control socket, for <c>s3cfs stats</c>).
/// The id is derived from the mount point, so <c>s3cfs unmount /mnt/x</c> finds the process that serves /mnt/x.
/// They live in /run/s3cfs for root, else in $XDG_RUNTIME_DIR/s3cfs or /tmp/s3cfs-&lt;uid&gt;.
/// </summary>
internal sealed class RuntimeFiles
{
    private RuntimeFiles(string directory, string id)
    {
        PidFile = Path.Combine(directory, id + ".pid");
        StatusFile = Path.Combine(directory, id + ".status");
        SocketFile = Path.Combine(directory, id + ".sock");
    }

    public string PidFile { get; }

    public string StatusFile { get; }

    /// <summary>The running mount's control socket (s3cfs stats).</summary>
    public string SocketFile { get; }

    public static RuntimeFiles For(string mountPoint)
    {
        var full = Path.GetFullPath(mountPoint).TrimEnd('/');
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)).AsSpan(0, 12));
        var (uid, _) = Options.MountSettings.CurrentIds();
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var dir = uid == 0 ? "/run/s3cfs" : !string.IsNullOrEmpty(runtime) ? Path.Combine(runtime, "s3cfs") : $"/tmp/s3cfs-{uid}";
        Directory.CreateDirectory(dir);
        return new RuntimeFiles(dir, id);
    }

    public void WritePid() => WriteAtomically(PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    public void WriteStatus(string status) => WriteAtomically(StatusFile, status);

    public int? ReadPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    public string? ReadStatus() => File.Exists(StatusFile) ? File.ReadAllText(StatusFile).Trim() : null;

    public void Clear()
    {
        File.Delete(PidFile);
        File.Delete(StatusFile);
    }

    /// <summary>Write to a temporary name, then rename: a reader sees the old content or the new, never half.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(tmp, text + "\n");
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Whether a process with this pid exists (and is not a zombie).</summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            var close = text.LastIndexOf(')');
            return close > 0 && close + 2 < text.Length && text[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
