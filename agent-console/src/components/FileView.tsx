import type { Attachment } from '@switchboard/protocol';
import { formatBytes } from '../lib/format.js';

/**
 * A file in a message: an image as a thumbnail (its alt text is the file's name) that opens
 * full size, any other file as a download link named by the file. A caption other than the
 * name shows under it. Without a link yet (still being sent) only the name shows.
 */
export function FileView({ file, text }: { file: Attachment | Omit<Attachment, 'url'>; text: string }) {
  const url = 'url' in file ? file.url : undefined;
  const caption = text !== '' && text !== file.name ? <div class="att-caption">{text}</div> : null;
  if (!url) {
    return (
      <>
        <span class="att-file">{file.name}</span>
        {caption}
      </>
    );
  }
  if (file.type.startsWith('image/')) {
    return (
      <>
        <a class="att-thumb" href={url} target="_blank" rel="noopener noreferrer">
          <img src={url} alt={file.name} loading="lazy" />
        </a>
        {caption}
      </>
    );
  }
  return (
    <>
      <span class="att-row">
        <a class="att-file" href={url} download={file.name}>
          {file.name}
        </a>
        <span class="att-size">{formatBytes(file.size)}</span>
      </span>
      {caption}
    </>
  );
}
