// The core's attributes record, not System.IO.FileAttributes (which ImplicitUsings brings in): the adapter speaks of
// Windows attributes only as the FILE_ATTRIBUTE_* bits of Interop.WinNT.
global using FileAttributes = S3Fs.Core.FileSystem.FileAttributes;
