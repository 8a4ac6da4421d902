using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace S3Fs.Testing.Kms;

/// <summary>
/// A KMS that speaks the real wire protocol (AWS JSON 1.1, <c>X-Amz-Target: TrentService.*</c>, SigV4) on
/// 127.0.0.1, so that S3Fs's KMS code is exercised through the real AWS SDK client, signing, retries and error
/// unmarshalling included. AWS KMS itself is out of reach of the test machines. Beside the protocol it has an
/// in-process admin API for tests: create keys and aliases, disable keys, deny operations, inject throttling, and
/// count calls per operation.
/// </summary>
public sealed class KmsTestServer : IAsyncDisposable
{
    private const string TargetPrefix = "TrentService.";
    private const string JsonContentType = "application/x-amz-json-1.1";

    private readonly KmsTestKeyStore _keys;
    private readonly KmsTestOperations _operations;
    private readonly SigV4Verifier _verifier;
    private readonly ConcurrentDictionary<string, string> _secrets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly Lock _faultGate = new();
    private readonly LoopbackHttpServer _http;
    private int _throttleNext;
    private string? _throttleOperation;
    private bool _throttleAll;
    private RawHttpRequest? _lastRequest;
    private KmsCallGate? _gate;

    private KmsTestServer(string region, string accountId, TimeProvider time)
    {
        Region = region;
        AccountId = accountId;
        AccessKeyId = "AKIATESTKMS" + Guid.NewGuid().ToString("N")[..9].ToUpperInvariant();
        SecretAccessKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(30));
        _secrets[AccessKeyId] = SecretAccessKey;
        _keys = new KmsTestKeyStore(region, accountId, time);
        _operations = new KmsTestOperations(_keys, accountId);
        _verifier = new SigV4Verifier(ak => _secrets.GetValueOrDefault(ak), region, "kms", time);
        _http = LoopbackHttpServer.Start(HandleOverHttpAsync);
    }

    /// <summary>Base URL for the SDK's <c>ServiceURL</c>, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Endpoint => _http.BaseAddress;

    public string Region { get; }

    public string AccountId { get; }

    /// <summary>The access key the server was created with; requests signed with it are accepted.</summary>
    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    /// <summary>The last request that reached operation dispatch (after authentication), as received; for replay tests.</summary>
    public RawHttpRequest? LastRequest => Volatile.Read(ref _lastRequest);

    /// <param name="region">Region of every key ARN and the only region accepted in signatures.</param>
    /// <param name="accountId">12-digit account id used in ARNs.</param>
    /// <param name="time">Clock for signature freshness and key creation dates; the system clock by default.</param>
    public static KmsTestServer Start(string region = "us-east-1", string accountId = "111122223333", TimeProvider? time = null) =>
        new(region, accountId, time ?? TimeProvider.System);

    public ValueTask DisposeAsync() => _http.DisposeAsync();

    // ---- admin API -------------------------------------------------------------------------------------------

    /// <summary>Creates an enabled symmetric encryption key.</summary>
    public KmsTestKey CreateKey(string? description = null)
    {
        var record = _keys.Create(description);
        return new KmsTestKey(record.KeyId, record.Arn);
    }

    /// <summary>Creates the alias, or repoints it if it exists (CreateAlias / UpdateAlias).</summary>
    public void SetAlias(string aliasName, string keyId) => _keys.SetAlias(aliasName, keyId);

    public void DisableKey(string keyId) => _keys.Update(keyId, k => k.State = KmsTestKeyState.Disabled);

    public void EnableKey(string keyId) => _keys.Update(keyId, k => k.State = KmsTestKeyState.Enabled);

    public void ScheduleKeyDeletion(string keyId) => _keys.Update(keyId, k => k.State = KmsTestKeyState.PendingDeletion);

    /// <summary>Denies <paramref name="operation"/> (e.g. <c>Decrypt</c>) on the key, as a key policy would.</summary>
    public void DenyOperation(string keyId, string operation) => _keys.Update(keyId, k => k.DeniedOperations.Add(operation));

    public void AllowOperation(string keyId, string operation) => _keys.Update(keyId, k => k.DeniedOperations.Remove(operation));

    /// <summary>Adds another principal (access key and secret) whose requests are accepted.</summary>
    public void AddCredentials(string accessKeyId, string secretAccessKey) => _secrets[accessKeyId] = secretAccessKey;

    /// <summary>Answers the next <paramref name="count"/> calls (of <paramref name="operation"/> only, if given) with ThrottlingException.</summary>
    public void ThrottleNextCalls(int count, string? operation = null)
    {
        lock (_faultGate)
        {
            _throttleNext = count;
            _throttleOperation = operation;
        }
    }

    /// <summary>Throttles every call until turned off again.</summary>
    public void ThrottleAllCalls(bool enabled)
    {
        lock (_faultGate)
        {
            _throttleAll = enabled;
        }
    }

    /// <summary>Holds calls of <paramref name="operation"/> arriving over HTTP until the returned gate is released.</summary>
    public KmsCallGate HoldCalls(string operation)
    {
        var gate = new KmsCallGate(operation);
        Volatile.Write(ref _gate, gate);
        return gate;
    }

    /// <summary>Authenticated calls of <paramref name="operation"/> received, including throttled and failed ones.</summary>
    public int CallCount(string operation) => _calls.GetValueOrDefault(operation);

    public void ResetCallCounts() => _calls.Clear();

    // ---- request handling ------------------------------------------------------------------------------------

    /// <summary>Turns one raw request into a response; public so tests can replay captured or tampered requests in-process too.</summary>
    public RawHttpResponse Handle(RawHttpRequest request)
    {
        try
        {
            if (request.Method != "POST" || request.Path != "/")
            {
                throw new KmsFaultException("UnknownOperationException", $"{request.Method} {request.Path} is not a KMS operation.");
            }

            var principal = _verifier.Verify(request);
            var target = request.Header("X-Amz-Target");
            if (target is null || !target.StartsWith(TargetPrefix, StringComparison.Ordinal))
            {
                throw new KmsFaultException("UnknownOperationException", $"Unknown target '{target}'.");
            }

            if (request.Header("Content-Type") is not { } contentType || !contentType.StartsWith(JsonContentType, StringComparison.Ordinal))
            {
                throw new KmsFaultException("SerializationException", $"Content-Type must be {JsonContentType}.");
            }

            var operation = target[TargetPrefix.Length..];
            _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
            Volatile.Write(ref _lastRequest, request);
            if (ShouldThrottle(operation))
            {
                throw KmsFaultException.Throttling();
            }

            using var document = ParseBody(request.Body);
            var result = _operations.Invoke(operation, principal, document.RootElement);
            return new RawHttpResponse(200, JsonContentType, Encoding.UTF8.GetBytes(result.ToJsonString()));
        }
        catch (KmsFaultException fault)
        {
            return Error(fault.Type, fault.Message);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            // Malformed base64 or a JSON value of the wrong type.
            return Error("SerializationException", e.Message);
        }
    }

    private async Task<RawHttpResponse> HandleOverHttpAsync(RawHttpRequest request)
    {
        if (Volatile.Read(ref _gate) is { } gate && request.Header("X-Amz-Target") == TargetPrefix + gate.Operation)
        {
            await gate.HoldAsync();
        }

        return Handle(request);
    }

    private static JsonDocument ParseBody(byte[] body)
    {
        try
        {
            var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new KmsFaultException("SerializationException", "The request body must be a JSON object.");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new KmsFaultException("SerializationException", e.Message);
        }
    }

    private bool ShouldThrottle(string operation)
    {
        lock (_faultGate)
        {
            if (_throttleAll)
            {
                return true;
            }

            if (_throttleNext > 0 && (_throttleOperation is null || _throttleOperation == operation))
            {
                _throttleNext--;
                return true;
            }

            return false;
        }
    }

    private static RawHttpResponse Error(string type, string message)
    {
        var body = new JsonObject { ["__type"] = type, ["message"] = message };
        return new RawHttpResponse(400, JsonContentType, Encoding.UTF8.GetBytes(body.ToJsonString()));
    }
}
