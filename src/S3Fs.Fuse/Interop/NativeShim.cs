using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace S3Fs.Fuse;

/// <summary>
/// Finds and validates libs3fs_fuse.so once per process: resolves the library next to the assembly (where the
/// S3Fs.Fuse project copies it), checks the shim's ABI version and every struct size against the C# mirrors,
/// and routes libfuse's own log messages (process-wide) to the most recently mounted session's logger.
/// Any failure becomes one actionable <see cref="FuseUnavailableException"/> at mount time.
/// </summary>
internal static class NativeShim
{
    private const string FileName = "libs3fs_fuse.so";

    private static readonly Lazy<string?> LoadFailure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private static volatile ILogger s_logger = NullLogger.Instance;

    [ThreadStatic]
    private static StringBuilder? t_capturedErrors;

    /// <summary>The runtime libfuse package version (e.g. "3.14.0"); valid after <see cref="EnsureAvailable"/>.</summary>
    public static string LibFuseVersion { get; private set; } = "";

    /// <summary>Throws <see cref="FuseUnavailableException"/> unless the shim is loadable and ABI-compatible.</summary>
    public static void EnsureAvailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new FuseUnavailableException("FUSE mounts are only available on Linux; on Windows S3Fs mounts through Dokan.");
        }

        if (LoadFailure.Value is { } failure)
        {
            throw new FuseUnavailableException(failure);
        }
    }

    /// <summary>Where libfuse's own messages (and faults outside any session) are logged.</summary>
    public static ILogger Logger => s_logger;

    /// <summary>Sends libfuse's messages to <paramref name="logger"/> from now on.</summary>
    public static void UseLogger(ILogger logger) => s_logger = logger;

    /// <summary>
    /// Collects libfuse error messages logged on the calling thread until disposed, so a failed
    /// fuse_session_new or mount can quote libfuse's own reason in the exception.
    /// </summary>
    public static ErrorCapture CaptureErrors() => new();

    private static string? Load()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeShim).Assembly, Resolve);
        try
        {
            int abi = Interop.Shim.s3fs_fuse_abi_version();
            if (abi != Interop.Shim.AbiVersion)
            {
                return $"{FileName} speaks shim ABI {abi} but this S3Fs.Fuse expects {Interop.Shim.AbiVersion}: " +
                       "the native library is stale. Rebuild it with scripts/build-native.sh and rebuild the solution.";
            }

            if (CheckStructSizes() is { } mismatch)
            {
                return $"{FileName} struct layout differs from S3Fs.Fuse ({mismatch}). " +
                       "Rebuild it with scripts/build-native.sh and rebuild the solution.";
            }

            unsafe
            {
                // SAFETY: s3fs_fuse_version returns libfuse's static, NUL-terminated version string.
                LibFuseVersion = Marshal.PtrToStringUTF8((nint)Interop.Shim.s3fs_fuse_version()) ?? "unknown";

                // SAFETY: OnLibFuseLog is a static [UnmanagedCallersOnly] method, valid for the process lifetime.
                Interop.Shim.s3fs_fuse_set_log(&OnLibFuseLog);
            }

            return null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"The native FUSE shim {FileName} could not be loaded: {ex.Message} " +
                   "Build it with scripts/build-native.sh (it needs cmake and libfuse3-dev: scripts/install-deps.sh), " +
                   "then rebuild so it is copied next to S3Fs.Fuse.dll. At run time libfuse3.so.3 (package fuse3) is needed.";
        }
    }

    private static string? CheckStructSizes()
    {
        var expected = new (Interop.Shim.StructId Id, int Size)[]
        {
            (Interop.Shim.StructId.Request, Unsafe.SizeOf<Interop.Shim.s3fs_request>()),
            (Interop.Shim.StructId.Attr, Unsafe.SizeOf<Interop.Shim.s3fs_attr>()),
            (Interop.Shim.StructId.Entry, Unsafe.SizeOf<Interop.Shim.s3fs_entry>()),
            (Interop.Shim.StructId.OpenOut, Unsafe.SizeOf<Interop.Shim.s3fs_open_out>()),
            (Interop.Shim.StructId.Statfs, Unsafe.SizeOf<Interop.Shim.s3fs_statfs>()),
            (Interop.Shim.StructId.SessionConfig, Unsafe.SizeOf<Interop.Shim.s3fs_session_config>()),
            (Interop.Shim.StructId.LoopConfig, Unsafe.SizeOf<Interop.Shim.s3fs_loop_config>()),
            (Interop.Shim.StructId.InitInfo, Unsafe.SizeOf<Interop.Shim.s3fs_init_info>()),
            (Interop.Shim.StructId.Forget, Unsafe.SizeOf<Interop.Shim.s3fs_forget>()),
        };
        foreach (var (id, size) in expected)
        {
            uint native = Interop.Shim.s3fs_fuse_struct_size(id);
            if (native != size)
            {
                return $"{id}: native {native} bytes, managed {size} bytes";
            }
        }

        return null;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Interop.Shim.Library)
        {
            return IntPtr.Zero;
        }

        string assemblyDir = Path.GetDirectoryName(assembly.Location) is { Length: > 0 } dir ? dir : AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(assemblyDir, FileName),
            Path.Combine(AppContext.BaseDirectory, FileName),
            Path.Combine(assemblyDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", FileName),
        ];
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                // Load (not TryLoad) so a present but unloadable file (missing libfuse3.so.3) reports the loader's reason.
                return NativeLibrary.Load(candidate);
            }
        }

        return IntPtr.Zero; // fall back to the default probing (LD_LIBRARY_PATH, system paths)
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnLibFuseLog(int level, byte* message)
    {
        // SAFETY: the shim passes a NUL-terminated buffer valid for the duration of this call; we copy it.
        try
        {
            string text = Marshal.PtrToStringUTF8((nint)message) ?? "";
            var logLevel = ToLogLevel(level);
            if (logLevel >= LogLevel.Warning)
            {
                t_capturedErrors?.Append(text).Append("; ");
            }

            Log.LibFuseMessage(s_logger, logLevel, text);
        }
        catch (Exception)
        {
            // Nothing may unwind into libfuse; a failing logger loses this one message.
        }
    }

    // fuse_log_level: EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG.
    private static LogLevel ToLogLevel(int level) => level switch
    {
        <= 2 => LogLevel.Critical,
        3 => LogLevel.Error,
        4 => LogLevel.Warning,
        5 or 6 => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    /// <summary>Scope returned by <see cref="CaptureErrors"/>.</summary>
    internal sealed class ErrorCapture : IDisposable
    {
        private readonly StringBuilder? _previous = t_capturedErrors;
        private readonly StringBuilder _buffer = new();

        public ErrorCapture() => t_capturedErrors = _buffer;

        public string Text => _buffer.Length == 0 ? "libfuse gave no reason" : _buffer.ToString().TrimEnd(' ', ';');

        public void Dispose() => t_capturedErrors = _previous;
    }
}
