#:property PublishAot=false
#:project ../../../src/S3Fs.Crypto/S3Fs.Crypto.csproj

// Generates the v1 golden vectors ONCE. They are committed and never regenerated: the tests prove that every release
// still reads exactly these bytes. This program refuses to run when v1/manifest.json exists. It is not part of the test
// build (S3Fs.Crypto.Tests.csproj removes TestVectors/** from compilation). Run: dotnet run generate-v1.cs
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;

var dir = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Directory.GetCurrentDirectory(), "v1");
if (File.Exists(Path.Combine(dir, "manifest.json")))
{
    Console.Error.WriteLine($"{dir}/manifest.json exists: v1 vectors are never regenerated. A new format version gets a new folder.");
    return 1;
}

Directory.CreateDirectory(Path.Combine(dir, "keys"));
var fileKey = RandomNumberGenerator.GetBytes(32);
File.WriteAllText(Path.Combine(dir, "keys", "file.key"), Convert.ToHexStringLower(fileKey) + "\n");
var passphrase = "s3cfs golden vector passphrase, test only";
File.WriteAllText(Path.Combine(dir, "keys", "passphrase.txt"), passphrase + "\n");
var kdf = KdfParameters.CreateNew();
File.WriteAllText(Path.Combine(dir, "keys", "kdf.json"), kdf.ToJson() + "\n");
using (var rsa = RSA.Create(2048))
{
    File.WriteAllText(Path.Combine(dir, "keys", "rsa-private.pem"), rsa.ExportPkcs8PrivateKeyPem() + "\n");
    File.WriteAllText(Path.Combine(dir, "keys", "rsa-public.pem"), rsa.ExportSubjectPublicKeyInfoPem() + "\n");
}

IMasterKey Key(string which) => which switch
{
    "file" => FileMasterKey.FromKey(fileKey),
    "passphrase" => PassphraseMasterKey.Derive(Encoding.UTF8.GetBytes(passphrase), kdf),
    "rsa-public" => RsaMasterKey.FromPem(File.ReadAllText(Path.Combine(dir, "keys", "rsa-public.pem")), "rsa-public.pem"),
    _ => RsaMasterKey.FromPem(File.ReadAllText(Path.Combine(dir, "keys", "rsa-private.pem")), "rsa-private.pem"),
};

(string Key, int BlockSize, int Size)[] cases =
[
    ("file", 4096, 0), ("file", 4096, 1), ("file", 4096, 4095), ("file", 4096, 4096), ("file", 4096, 4097),
    ("file", 4096, 10000), ("file", 16384, 40000), ("file", 65536, 70000),
    ("passphrase", 4096, 5000), ("passphrase", 65536, 0),
    ("rsa-public", 4096, 9000), ("rsa-public", 65536, 65536), ("rsa-private", 4096, 1),
];

var manifest = new List<object>();
foreach (var (keyName, blockSize, size) in cases)
{
    var name = $"{keyName}-b{blockSize}-p{size}";
    using var ring = new MasterKeyRing(Key(keyName));
    var factory = new FileCipherFactory(ring, null, blockSize);
    var plain = new byte[size];
    new Random(size + blockSize).NextBytes(plain);
    var objectKey = $"vectors/{name}.bin";
    using var cipher = await factory.CreateAsync(objectKey, CancellationToken.None);
    var body = cipher.SealAll(plain);
    File.WriteAllBytes(Path.Combine(dir, name + ".body"), body);
    File.WriteAllBytes(Path.Combine(dir, name + ".plain"), plain);
    var meta = new { objectKey, key = keyName, blockSize, plainSize = size, metadata = new SortedDictionary<string, string>(cipher.Metadata.ToDictionary()) };
    File.WriteAllText(Path.Combine(dir, name + ".meta.json"), JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    manifest.Add(new { name, key = keyName, blockSize, plainSize = size });
}

File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }) + "\n");
Console.WriteLine($"Wrote {cases.Length} vectors to {dir}");
return 0;
