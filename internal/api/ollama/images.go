package ollama

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// contentParts builds OpenAI content parts for a message with images: the
// text first (if any), then one image_url part per image.
func contentParts(msg int, text string, images []string) (json.RawMessage, error) {
	out := []byte{'['}
	if text != "" {
		out = append(out, `{"type":"text","text":`...)
		out = jsonscan.AppendString(out, text)
		out = append(out, '}')
	}
	for i, img := range images {
		url, err := dataURL(img)
		if err != nil {
			return nil, badRequest(fmt.Sprintf("messages[%d].images[%d]: %v", msg, i, err))
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, `{"type":"image_url","image_url":{"url":`...)
		out = jsonscan.AppendString(out, url)
		out = append(out, `}}`...)
	}
	return append(out, ']'), nil
}

// dataURL turns an Ollama image (base64 without a prefix) into a data: URL,
// checking that it is valid base64 of a PNG, JPEG, GIF or WebP image. A
// value that already is a base64 data: URL of an image is kept.
func dataURL(img string) (string, error) {
	if rest, ok := strings.CutPrefix(img, "data:"); ok {
		mime, payload, ok := strings.Cut(rest, ";base64,")
		if !ok || !strings.HasPrefix(mime, "image/") {
			return "", fmt.Errorf("not a base64 image data URL")
		}
		if _, err := sniffImage(payload); err != nil {
			return "", err
		}
		return img, nil
	}
	mime, err := sniffImage(img)
	if err != nil {
		return "", err
	}
	return "data:" + mime + ";base64," + img, nil
}

// sniffImage validates the base64 payload and names its image type.
func sniffImage(b64 string) (string, error) {
	var head [32]byte
	dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(b64))
	n, err := io.ReadFull(dec, head[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("invalid base64 image data")
	}
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return "", fmt.Errorf("invalid base64 image data")
	}
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(h, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return "image/gif", nil
	case len(h) >= 12 && string(h[:4]) == "RIFF" && string(h[8:12]) == "WEBP":
		return "image/webp", nil
	}
	return "", fmt.Errorf("not a PNG, JPEG, GIF or WebP image")
}
