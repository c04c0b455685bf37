package checkpoint

import (
	"context"
	"errors"
	"io/fs"
)

// Sentinels of the torch.save, NeMo 1.x and NeMo 2.0 layouts. Each finding wraps
// exactly one sentinel; test with errors.Is.
var (
	ErrTorchFormat   = errors.New("checkpoint: not a valid torch.save zip archive")
	ErrTorchLegacy   = errors.New("checkpoint: legacy torch format not supported")
	ErrTorchPickle   = errors.New("checkpoint: data.pkl cannot be read")
	ErrUnsafePickle  = errors.New("checkpoint: pickle references a global outside the allow-list")
	ErrTorchStorage  = errors.New("checkpoint: tensor storage missing or too short")
	ErrTorchTensor   = errors.New("checkpoint: malformed tensor record")
	ErrTorchDType    = errors.New("checkpoint: unknown storage type or dtype")
	ErrMemberCorrupt = errors.New("checkpoint: archive member unreadable (checksum or compressed data)")

	ErrArchive          = errors.New("checkpoint: corrupt or truncated archive")
	ErrUnsafeMember     = errors.New("checkpoint: unsafe archive member")
	ErrDuplicateMember  = errors.New("checkpoint: duplicate archive member")
	ErrNeMoConfig       = errors.New("checkpoint: model_config.yaml missing or invalid")
	ErrNeMoWeights      = errors.New("checkpoint: model weights missing or inconsistent with the parallel sizes")
	ErrNotInspected     = errors.New("checkpoint: member listed but not inspected")
	ErrNeMo2Layout      = errors.New("checkpoint: NeMo 2.0 checkpoint directory incomplete")
	ErrUnfinished       = errors.New("checkpoint: checkpoint marked unfinished")
	ErrDistCkpt         = errors.New("checkpoint: distributed checkpoint incomplete or invalid")
	ErrAdapterMetadata  = errors.New("checkpoint: adapter_metadata.json missing or invalid")
	ErrUnknownBackend   = errors.New("checkpoint: unknown sharded_backend")
	ErrDeprecatedFormat = errors.New("checkpoint: deprecated checkpoint format")
)

// Stable finding codes of the torch.save, NeMo 1.x and NeMo 2.0 layouts.
const (
	CodeTorchNotZip         = "torch_not_zip"
	CodeTorchLegacy         = "torch_legacy"
	CodeTorchLayout         = "torch_layout"
	CodeTorchPickle         = "torch_pickle"
	CodeUnsafePickle        = "unsafe_pickle"
	CodeTorchStorageMissing = "torch_storage_missing"
	CodeTorchStorageSize    = "torch_storage_size"
	CodeTorchTensor         = "torch_tensor"
	CodeTorchDType          = "torch_dtype"
	CodeTorchCompression    = "torch_compression"
	CodeTorchAlignment      = "torch_alignment"
	CodeTorchByteOrder      = "torch_byteorder"
	CodeMemberCorrupt       = "member_corrupt"

	CodeArchiveCorrupt    = "archive_corrupt"
	CodeAbsolutePath      = "member_absolute_path"
	CodeDotDotPath        = "member_dotdot_path"
	CodeLinkMember        = "member_link"
	CodeDeviceMember      = "member_device"
	CodeDuplicateMember   = "member_duplicate"
	CodeNeMoConfigMissing = "nemo_config_missing"
	CodeNeMoConfigInvalid = "nemo_config_invalid"
	CodeNeMoPEFTConfig    = "nemo_peft_config"
	CodeNeMoWeights       = "nemo_weights"
	CodeNotInspected      = "not_inspected"

	CodeNeMo2Context          = "nemo2_context"
	CodeNeMo2Weights          = "nemo2_weights"
	CodeUnfinished            = "checkpoint_unfinished"
	CodeDistCkptMetadataJSON  = "distckpt_metadata_json"
	CodeDistCkptBackend       = "distckpt_backend"
	CodeDistCkptMissing       = "distckpt_missing_file"
	CodeNeMo2AdapterMetadata  = "nemo2_adapter_metadata"
	CodeDistCkptBackendLegacy = "distckpt_backend_deprecated"
	CodeDistCkptMetadata      = "distckpt_metadata"
	CodeDistCkptRange         = "distckpt_range"
)

// isIOError reports whether err means "could not finish" (a failing read, a
// cancelled context) rather than a problem in the data.
func isIOError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// withFile sets the File of a finding.
func withFile(f Finding, file string) Finding {
	f.File = file
	return f
}
