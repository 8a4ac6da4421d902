using System.Runtime.Versioning;

namespace S3Fs.Dokan.Interop;

/// <summary>
/// Extends one in-flight Dokan request with DokanResetTimeout. It keeps the DOKAN_FILE_INFO pointer of the request,
/// which is valid only while the callback runs: <see cref="DokanBlocking"/> calls <see cref="Extend"/> only from the
/// waiting callback thread, before the callback returns.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class NativeTimeoutExtender : ITimeoutExtender
{
    /// <summary>dokan.h: "The default timeout value is 15 seconds" (used when DOKAN_OPTIONS.Timeout is 0).</summary>
    private const uint DefaultDriverTimeoutMs = 15_000;

    private readonly DOKAN_FILE_INFO* _info;
    private readonly uint _timeoutMs;

    public NativeTimeoutExtender(DOKAN_FILE_INFO* info)
    {
        _info = info;
        var configured = info != null && info->DokanOptions != null ? info->DokanOptions->Timeout : 0;
        _timeoutMs = configured == 0 ? DefaultDriverTimeoutMs : configured;
    }

    /// <summary>Half the driver timeout: a reset always lands well before the request's deadline.</summary>
    public TimeSpan Interval => TimeSpan.FromMilliseconds(_timeoutMs / 2.0);

    public void Extend()
    {
        try
        {
            // SAFETY: _info is the current request's DOKAN_FILE_INFO; see the type's remarks for why it is still valid.
            DokanMethods.DokanResetTimeout(_timeoutMs, _info);
        }
        catch (Exception)
        {
            // A failed extension only means the driver may give up on this request: nothing to do about it here.
        }
    }
}
