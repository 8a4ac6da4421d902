using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Maps whatever the SDK or the network threw into an <see cref="ObjectStoreException"/> whose kind decides
/// retrying and degrading, and whose message carries the HTTP status, S3 error code, server message and request id
/// (what an operator needs to search a server log).
/// </summary>
internal static class S3ErrorMapper
{
    public static ObjectStoreException Map(Exception ex, string operation, string bucket, string? key, bool timedOut, TimeSpan timeout)
    {
        if (ex is ObjectStoreException ose)
        {
            return ose;
        }

        if (timedOut)
        {
            return new ObjectStoreException(ObjectStoreErrorKind.Transient, operation, bucket, key,
                $"no complete response within the request timeout of {timeout.TotalSeconds:0.#} s", ex);
        }

        if (ex is AmazonServiceException service && service.StatusCode != 0)
        {
            var kind = KindOf(service.StatusCode, service.ErrorCode, service.Message);
            if (kind is null && IsNetworkFailure(ex))
            {
                kind = ObjectStoreErrorKind.Transient;
            }

            return new ObjectStoreException(kind ?? ObjectStoreErrorKind.Other, operation, bucket, key, Describe(service), ex);
        }

        if (IsNetworkFailure(ex))
        {
            return new ObjectStoreException(ObjectStoreErrorKind.Transient, operation, bucket, key,
                $"network failure: {Innermost(ex).Message}", ex);
        }

        if (ex is AmazonClientException && ex.Message.Contains("resolve AWS credentials", StringComparison.OrdinalIgnoreCase))
        {
            // The SDK's message lists every provider it tried; what the user needs is what to set.
            return new ObjectStoreException(ObjectStoreErrorKind.AccessDenied, operation, bucket, key,
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile of ~/.aws/credentials with 'profile'", ex);
        }

        return new ObjectStoreException(ObjectStoreErrorKind.Other, operation, bucket, key, $"{ex.GetType().Name}: {ex.Message}", ex);
    }

    /// <summary>The kind for an HTTP status and S3 error code; null when the status says nothing decisive.</summary>
    internal static ObjectStoreErrorKind? KindOf(HttpStatusCode status, string? code, string? message)
    {
        switch ((int)status)
        {
            case 404:
                return ObjectStoreErrorKind.NotFound;
            case 412:
                return ObjectStoreErrorKind.PreconditionFailed;
            case 409 when code == "ConditionalRequestConflict":
                return ObjectStoreErrorKind.PreconditionFailed;
            case 409 when code == "OperationAborted":
                // "A conflicting conditional operation is currently in progress against this resource. Try again."
                return ObjectStoreErrorKind.Transient;
            case 401 or 403:
                return ObjectStoreErrorKind.AccessDenied;
            case 416:
                return ObjectStoreErrorKind.InvalidRange;
            case 429:
                return ObjectStoreErrorKind.Throttled;
            case 503:
                // S3 signals throttling with 503 SlowDown; a plain 503 also means "back off and retry".
                return ObjectStoreErrorKind.Throttled;
            case 500 or 502 or 504:
                return ObjectStoreErrorKind.Transient;
            case 501:
                return ObjectStoreErrorKind.NotSupported;
            case 400 when code == "RequestTimeout":
                // The server gave up waiting for the request body (a stalled upload): retrying may succeed.
                return ObjectStoreErrorKind.Transient;
            case 400 when IsCustomerKeyProblem(code, message):
                // SSE-C object read without its key, or with a key whose MD5 does not match: a key problem.
                return ObjectStoreErrorKind.AccessDenied;
            case 400 when code == "SlowDown":
                return ObjectStoreErrorKind.Throttled;
            default:
                return (int)status >= 500 ? ObjectStoreErrorKind.Transient : (int)status >= 400 ? ObjectStoreErrorKind.Other : null;
        }
    }

    private static bool IsCustomerKeyProblem(string? code, string? message)
    {
        if (message is null)
        {
            return false;
        }

        return message.Contains("customer", StringComparison.OrdinalIgnoreCase)
               || message.Contains("Server Side Encryption", StringComparison.OrdinalIgnoreCase)
               || message.Contains("SSE", StringComparison.Ordinal)
               || message.Contains("hash of the key", StringComparison.OrdinalIgnoreCase)
               || (code == "InvalidArgument" && message.Contains("encryption", StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsNetworkFailure(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is IOException or HttpRequestException or SocketException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception ex)
    {
        var e = ex;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string Describe(AmazonServiceException ex)
    {
        var code = string.IsNullOrEmpty(ex.ErrorCode) ? "no error code" : ex.ErrorCode;
        var text = string.IsNullOrEmpty(ex.Message) ? "(no message)" : ex.Message;
        var request = string.IsNullOrEmpty(ex.RequestId) ? string.Empty : $", request id {ex.RequestId}";
        return $"HTTP {(int)ex.StatusCode} {code}: {text}{request}";
    }

    /// <summary>
    /// A HEAD answered 400 without a body (HEAD responses have none), so the reason is unknown. Ceph RGW answers
    /// this way to a HEAD of an SSE-C object without the right key.
    /// </summary>
    public static bool IsBodilessBadRequest(ObjectStoreException ex)
        => ex.Kind == ObjectStoreErrorKind.Other && ex.InnerException is AmazonServiceException { StatusCode: HttpStatusCode.BadRequest } s
           && (string.IsNullOrEmpty(s.ErrorCode) || s.ErrorCode == "BadRequest");

    /// <summary>Whether <paramref name="ex"/> came from the server and is S3's answer to a wrong or missing SSE-C key.</summary>
    public static bool IsWrongCustomerKey(ObjectStoreException ex)
        => ex.Kind == ObjectStoreErrorKind.AccessDenied && ex.InnerException is AmazonS3Exception;
}
