import sharp from 'sharp';

export interface UploadImage {
  base64: string;
  bytes: number;
  width: number;
  height: number;
}

/**
 * The only bytes of a photo that leave the machine: the proxy re-encoded as a fresh JPEG no larger
 * than `maxEdge`, with no EXIF, GPS, XMP, IPTC or ICC profile (sharp writes none unless asked).
 */
export async function uploadImage(proxyPath: string, maxEdge: number): Promise<UploadImage> {
  const { data, info } = await sharp(proxyPath)
    .resize({ width: maxEdge, height: maxEdge, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  return { base64: data.toString('base64'), bytes: data.length, width: info.width, height: info.height };
}
