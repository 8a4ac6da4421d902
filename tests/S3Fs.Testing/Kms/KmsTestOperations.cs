using System.Text.Json;
using System.Text.Json.Nodes;

namespace S3Fs.Testing.Kms;

/// <summary>
/// The four KMS operations S3Fs uses, with the real service's request and response shapes (AWS JSON 1.1,
/// <c>TrentService</c>), validation and errors: GenerateDataKey, Encrypt, Decrypt and DescribeKey.
/// </summary>
internal sealed class KmsTestOperations(KmsTestKeyStore keys, string accountId)
{
    /// <summary>KMS refuses Encrypt of more than 4096 bytes of plaintext.</summary>
    private const int MaxEncryptPlaintext = 4096;

    /// <summary>GenerateDataKey's NumberOfBytes range in the KMS API reference.</summary>
    private const int MaxDataKeyBytes = 1024;

    public JsonObject Invoke(string operation, string principal, JsonElement request) => operation switch
    {
        "GenerateDataKey" => GenerateDataKey(principal, request),
        "Encrypt" => Encrypt(principal, request),
        "Decrypt" => Decrypt(principal, request),
        "DescribeKey" => DescribeKey(principal, request),
        _ => throw new KmsFaultException("UnknownOperationException", $"Unknown operation {operation}"),
    };

    private JsonObject GenerateDataKey(string principal, JsonElement request)
    {
        var key = keys.Resolve(RequiredString(request, "KeyId"));
        var keySpec = OptionalString(request, "KeySpec");
        var numberOfBytes = request.TryGetProperty("NumberOfBytes", out var n) ? n.GetInt32() : (int?)null;
        var length = (keySpec, numberOfBytes) switch
        {
            ("AES_256", null) => 32,
            ("AES_128", null) => 16,
            (null, >= 1 and <= MaxDataKeyBytes) => numberOfBytes.Value,
            (null, null) => throw KmsFaultException.Validation("Please specify either number of bytes or key spec."),
            (not null, not null) => throw KmsFaultException.Validation("Please specify either number of bytes or key spec, not both."),
            _ => throw KmsFaultException.Validation($"1 validation error detected: KeySpec '{keySpec}' or NumberOfBytes '{numberOfBytes}' is not valid."),
        };
        Authorize(key, "GenerateDataKey", principal);
        var context = EncryptionContext(request);
        var plaintext = System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);
        var blob = KmsTestCiphertext.Seal(key.Id, key.Material, plaintext, context);
        return new JsonObject
        {
            ["CiphertextBlob"] = Convert.ToBase64String(blob),
            ["Plaintext"] = Convert.ToBase64String(plaintext),
            ["KeyId"] = key.Arn,
        };
    }

    private JsonObject Encrypt(string principal, JsonElement request)
    {
        var key = keys.Resolve(RequiredString(request, "KeyId"));
        var plaintext = Convert.FromBase64String(RequiredString(request, "Plaintext"));
        if (plaintext.Length is 0 or > MaxEncryptPlaintext)
        {
            throw KmsFaultException.Validation($"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and {MaxEncryptPlaintext}");
        }

        CheckAlgorithm(request);
        Authorize(key, "Encrypt", principal);
        return new JsonObject
        {
            ["CiphertextBlob"] = Convert.ToBase64String(KmsTestCiphertext.Seal(key.Id, key.Material, plaintext, EncryptionContext(request))),
            ["KeyId"] = key.Arn,
            ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        };
    }

    private JsonObject Decrypt(string principal, JsonElement request)
    {
        var blob = Convert.FromBase64String(RequiredString(request, "CiphertextBlob"));
        CheckAlgorithm(request);
        var owner = KmsTestCiphertext.KeyIdOf(blob) is { } id && keys.FindById(id) is { } found
            ? found
            : throw KmsFaultException.InvalidCiphertext();
        if (OptionalString(request, "KeyId") is { } requested && keys.Resolve(requested).Id != owner.Id)
        {
            throw new KmsFaultException(
                "IncorrectKeyException",
                "The key ID in the request does not identify a CMK that can perform this operation.");
        }

        Authorize(owner, "Decrypt", principal);
        var plaintext = KmsTestCiphertext.Open(blob, owner.Material, EncryptionContext(request));
        return new JsonObject
        {
            ["KeyId"] = owner.Arn,
            ["Plaintext"] = Convert.ToBase64String(plaintext),
            ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        };
    }

    private JsonObject DescribeKey(string principal, JsonElement request)
    {
        var key = keys.Resolve(RequiredString(request, "KeyId"));
        var (state, denied) = keys.Snapshot(key, "DescribeKey");
        if (denied)
        {
            throw AccessDenied(principal, "DescribeKey", key.Arn);
        }

        var metadata = new JsonObject
        {
            ["AWSAccountId"] = accountId,
            ["KeyId"] = key.KeyId,
            ["Arn"] = key.Arn,
            ["CreationDate"] = key.Created.ToUnixTimeMilliseconds() / 1000.0,
            ["Enabled"] = state == KmsTestKeyState.Enabled,
            ["Description"] = key.Description ?? string.Empty,
            ["KeyUsage"] = "ENCRYPT_DECRYPT",
            ["KeyState"] = state.ToString(),
            ["Origin"] = "AWS_KMS",
            ["KeyManager"] = "CUSTOMER",
            ["CustomerMasterKeySpec"] = "SYMMETRIC_DEFAULT",
            ["KeySpec"] = "SYMMETRIC_DEFAULT",
            ["EncryptionAlgorithms"] = new JsonArray("SYMMETRIC_DEFAULT"),
            ["MultiRegion"] = false,
        };
        return new JsonObject { ["KeyMetadata"] = metadata };
    }

    /// <summary>The policy check, then the key-state check, in the order KMS applies them.</summary>
    private void Authorize(KmsTestKeyRecord key, string operation, string principal)
    {
        var (state, denied) = keys.Snapshot(key, operation);
        if (denied)
        {
            throw AccessDenied(principal, operation, key.Arn);
        }

        switch (state)
        {
            case KmsTestKeyState.Disabled:
                throw KmsFaultException.Disabled(key.Arn);
            case KmsTestKeyState.PendingDeletion:
                throw KmsFaultException.InvalidState($"{key.Arn} is pending deletion.");
        }
    }

    private KmsFaultException AccessDenied(string principal, string operation, string arn) =>
        new(
            "AccessDeniedException",
            $"User: arn:aws:iam::{accountId}:user/{principal} is not authorized to perform: kms:{operation} on resource: {arn} "
            + $"because no resource-based policy allows the kms:{operation} action");

    private static void CheckAlgorithm(JsonElement request)
    {
        if (OptionalString(request, "EncryptionAlgorithm") is { } algorithm && algorithm != "SYMMETRIC_DEFAULT")
        {
            throw new KmsFaultException("InvalidKeyUsageException", $"The encryption algorithm {algorithm} is not valid for this symmetric key.");
        }
    }

    private static Dictionary<string, string> EncryptionContext(JsonElement request)
    {
        var context = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!request.TryGetProperty("EncryptionContext", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return context;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new KmsFaultException("SerializationException", "EncryptionContext must be a map of strings.");
        }

        foreach (var pair in element.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String || pair.Name.Length == 0 || pair.Value.GetString()!.Length == 0)
            {
                throw KmsFaultException.Validation("EncryptionContext keys and values must be non-empty strings.");
            }

            context[pair.Name] = pair.Value.GetString()!;
        }

        return context;
    }

    private static string RequiredString(JsonElement request, string name) =>
        OptionalString(request, name)
        ?? throw KmsFaultException.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    private static string? OptionalString(JsonElement request, string name) =>
        request.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
